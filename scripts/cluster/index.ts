import { randomBytes } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { createPrismaClient } from "../../app/lib/prisma.server";
import { startEmulator, type Emulator } from "../../emulator/index";
import { startShopifyStandin, type ShopifyStandin } from "../../shopify-standin/index";
import { appEnvironment } from "../sandbox/app-process";
import { buildAndSnapshot } from "../sandbox/build";
import { appInstance, type Instance } from "./instance";
import { startNginx, type Nginx } from "./nginx";
import { DEFAULT_PG_URL, freshPostgresDatabase } from "./postgres";
import { emulatorShortcodes, seedShops, type ShopSpec } from "./seed";

// Several app instances on one PostgreSQL database behind nginx, on loopback: a fresh database on the
// local server, the Daraja emulator and the Shopify Admin stand-in (in this process), N instances of
// the built production server (`node server.mjs`) and Debian's nginx in front. `npm run cluster`, the
// load bench (bench/load.bench.ts) and the cluster load test (test/load.cluster.test.ts) use it.

export interface ClusterOptions {
  root: string;
  instances?: number; // 3
  pgUrl?: string; // the server to create the database on (DEFAULT_PG_URL)
  proxyPort?: number; // 0: a free port
  emulatorPort?: number;
  standinPort?: number;
  shops: ShopSpec[];
  /** Where Daraja posts callbacks (default: the proxy). The load bench puts a relay in between. */
  callbackBaseUrl?: (proxyUrl: string) => string;
  /** Extra app settings for every instance (override the cluster's). */
  appEnv?: Record<string, string>;
  emulator?: Parameters<typeof startEmulator>[0];
  /** Folder for the build snapshot, logs and nginx's files (inside root). Default <root>/.cluster/<run>. */
  stateDir?: string;
  keepDatabase?: boolean;
  log?: (msg: string) => void;
}

export interface Cluster {
  proxy: Nginx;
  instances: Instance[];
  emulator: Emulator;
  standin: ShopifyStandin;
  databaseUrl: string;
  db: ReturnType<typeof createPrismaClient>;
  apiKey: string;
  apiSecret: string;
  stateDir: string;
  stop: () => Promise<void>;
}

export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  const log = opts.log ?? (() => {});
  const count = opts.instances ?? 3;
  const stateDir = opts.stateDir ?? path.join(opts.root, ".cluster", `${Date.now().toString(36)}-${process.pid}`);
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch((e) => log(`stop: ${(e as Error).message}`));
    stops.length = 0;
  };
  try {
    log("building (when the sources changed) and taking a snapshot of the build…");
    const appDir = path.join(stateDir, "app");
    buildAndSnapshot(opts.root, appDir, true, log);
    stops.push(async () => fs.rmSync(appDir, { recursive: true, force: true }));

    log("creating a fresh PostgreSQL database and migrating it…");
    const database = await freshPostgresDatabase(opts.root, opts.pgUrl ?? DEFAULT_PG_URL);
    if (!opts.keepDatabase) stops.push(database.drop);
    const db = createPrismaClient(database.url, { poolMax: 4 });
    stops.push(() => db.$disconnect());

    const emulator = await startEmulator({
      host: "127.0.0.1",
      port: opts.emulatorPort ?? 0,
      ...opts.emulator,
      shortcodes: [...(opts.emulator?.shortcodes ?? []), ...emulatorShortcodes(opts.shops)],
    });
    stops.push(() => emulator.close());
    const standin = await startShopifyStandin({ host: "127.0.0.1", port: opts.standinPort ?? 0 });
    stops.push(() => standin.close());

    const apiKey = `cluster-${randomBytes(6).toString("hex")}`;
    const apiSecret = randomBytes(32).toString("hex");
    const encryptionKey = randomBytes(32).toString("base64");
    log(`seeding ${opts.shops.length} shops…`);
    await seedShops(db, standin, encryptionKey, opts.shops);

    const proxyPort = opts.proxyPort || (await freePort());
    const proxyUrl = `http://127.0.0.1:${proxyPort}`;
    const ports = await Promise.all(Array.from({ length: count }, () => freePort()));
    const env = appEnvironment(process.env, {
      NODE_ENV: "development", // the Admin stand-in is refused with NODE_ENV=production
      DATABASE_URL: database.url,
      DATABASE_POOL_MAX: "10",
      SHOPIFY_API_KEY: apiKey,
      SHOPIFY_API_SECRET: apiSecret,
      SHOPIFY_APP_URL: proxyUrl,
      CALLBACK_BASE_URL: opts.callbackBaseUrl?.(proxyUrl) ?? proxyUrl,
      ENCRYPTION_KEY: encryptionKey,
      SHOPIFY_ADMIN_API_ORIGIN: standin.url,
      DARAJA_SANDBOX_BASE_URL: emulator.url,
      DARAJA_PRODUCTION_BASE_URL: emulator.url,
      DARAJA_SANDBOX_CERTIFICATE: emulator.certificatePem, // initiator passwords encrypted for the emulator
      DARAJA_PRODUCTION_CERTIFICATE: emulator.certificatePem,
      // nginx connects from loopback; TRUSTED_PROXY_HOPS alone would be refused at start.
      TRUSTED_PROXIES: "loopback",
      CALLBACK_IP_ALLOWLIST: "127.0.0.1,::1,::ffff:127.0.0.1",
      JOB_WORKER: "true",
      // A killed instance's claims are taken over after this (production default: 120 s).
      JOB_LOCK_SECONDS: "10",
      // ...and its claim on a receipt's Shopify write (production: 120 s; above SHOPIFY_ADMIN_TIMEOUT_MS).
      SHOPIFY_RECORD_CLAIM_SECONDS: "15",
      LOG_LEVEL: "warn",
      ...opts.appEnv,
    });
    const instances = ports.map((port, i) =>
      appInstance({
        name: `app${i + 1}`,
        appDir,
        port,
        env,
        logFile: path.join(stateDir, `app${i + 1}.log`),
      }),
    );
    log(`starting ${count} app instances (node server.mjs)…`);
    // One first (it finds the database migrated), then the rest together.
    await instances[0].start();
    stops.push(() => Promise.all(instances.map((i) => i.stop())).then(() => {}));
    await Promise.all(instances.slice(1).map((i) => i.start()));

    log("starting nginx in front…");
    const proxy = await startNginx({ dir: path.join(stateDir, "nginx"), port: proxyPort, upstreams: ports });
    stops.push(() => proxy.stop());

    return {
      proxy,
      instances,
      emulator,
      standin,
      databaseUrl: database.url,
      db,
      apiKey,
      apiSecret,
      stateDir,
      stop: async () => {
        await stop();
        // A folder the caller chose keeps its logs; the default one per run is removed.
        if (!opts.stateDir) fs.rmSync(stateDir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}
