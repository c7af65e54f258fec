// `npm run cluster`: three app instances (the built production server, `node server.mjs`) on a fresh
// PostgreSQL database behind Debian's nginx, with the Daraja emulator and the Shopify Admin stand-in,
// all on loopback. Pays a few demo orders through the proxy, prints the addresses, and stops
// everything (and drops the database) on Ctrl-C.
//   npm run cluster -- [--instances 3] [--port 8080] [--pg postgresql://postgres@127.0.0.1:5432/postgres]
//                      [--shops 3] [--payments 6] [--keep-database]
import path from "node:path";
import { parseArgs } from "node:util";
import { startCluster } from "./cluster/index";
import { DEFAULT_PG_URL } from "./cluster/postgres";
import { shopMix } from "./cluster/seed";
import { pay, shopperAddress } from "./cluster/shopper";

const { values: args } = parseArgs({
  options: {
    instances: { type: "string", default: "3" },
    port: { type: "string", default: "8080" },
    pg: { type: "string", default: DEFAULT_PG_URL },
    shops: { type: "string", default: "3" },
    payments: { type: "string", default: "6" },
    "keep-database": { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});
if (args.help) {
  console.log(
    "usage: npm run cluster -- [--instances 3] [--port 8080] [--pg URL] [--shops 3] [--payments 6] [--keep-database]",
  );
  process.exit(0);
}
const int = (name: string, v: string, min: number) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}`);
  return n;
};

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const say = (msg: string) => console.log(`[cluster] ${msg}`);

try {
  const shops = shopMix(int("shops", args.shops, 1));
  const cluster = await startCluster({
    root,
    instances: int("instances", args.instances, 1),
    proxyPort: int("port", args.port, 0),
    pgUrl: args.pg,
    shops,
    keepDatabase: args["keep-database"],
    stateDir: path.join(root, ".cluster", "cli"),
    emulator: { callbackDelayMs: 300 },
    log: say,
  });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    say(`${signal}: stopping nginx, the instances, the emulator and the stand-in…`);
    await cluster.stop();
    say(args["keep-database"] ? `stopped (database kept: ${cluster.databaseUrl})` : "stopped (database dropped)");
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));

  const payments = int("payments", args.payments, 0);
  if (payments > 0) say(`paying ${payments} demo orders through nginx…`);
  const served: Record<string, number> = {};
  for (let i = 0; i < payments; i++) {
    const shop = shops[i % shops.length];
    const order = cluster.standin.createOrder({ shop: shop.domain, total: String(100 + i) });
    const answer = await pay({
      proxyUrl: cluster.proxy.url,
      apiKey: cluster.apiKey,
      apiSecret: cluster.apiSecret,
      shop: shop.domain,
      orderId: order.id,
      confirmationNumber: order.confirmationNumber,
      phone: `07123${String(45000 + i).padStart(5, "0")}`,
      localAddress: shopperAddress(i),
    });
    const upstream = answer.upstream ?? "?";
    served[upstream] = (served[upstream] ?? 0) + 1;
    say(`  ${shop.domain} ${order.name} KES ${100 + i}: HTTP ${answer.status} via ${upstream}`);
  }
  if (payments > 0) {
    const deadline = Date.now() + 60_000;
    let paid = 0;
    while (Date.now() < deadline) {
      paid = await cluster.db.paymentAttempt.count({ where: { recordedInShopifyAt: { not: null } } });
      if (paid >= payments) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    say(`${paid}/${payments} demo orders recorded paid in the stand-in; Pays per instance: ${JSON.stringify(served)}`);
  }

  console.log(`
  M-PESA Checkout cluster is running: ${cluster.instances.length} instances on PostgreSQL behind nginx.

    Proxy (nginx)           ${cluster.proxy.url}        (config: ${path.relative(root, cluster.proxy.configFile)})
${cluster.instances.map((i) => `    ${i.name.padEnd(24)}${i.url}   (/healthz, /readyz; log ${path.relative(root, path.join(cluster.stateDir, `${i.name}.log`))})`).join("\n")}
    Daraja emulator         ${cluster.emulator.url}   (control API: /__emulator/)
    Shopify Admin stand-in  ${cluster.standin.url}   (control API: /__standin/)
    Database                ${cluster.databaseUrl}
    Shops                   ${shops.map((s) => `${s.domain} (${s.planClass})`).join(", ")}

  Press Ctrl-C to stop everything${args["keep-database"] ? "" : " (the database is dropped)"}.
`);
} catch (e) {
  console.error(`[cluster] could not start: ${(e as Error).message}`);
  process.exit(1);
}
