import net from "node:net";
import path from "node:path";
import { EMULATOR_CERTIFICATE, startEmulator } from "../../emulator/index";
import { startShopifyStandin } from "../../shopify-standin/index";
import { DEMO_ORDERS, DEMO_SHOP } from "../../app/modules/sandbox/demo";
import { assertSandboxSafe } from "../../app/modules/sandbox/safety";
import { embeddedAppUrl } from "../../app/modules/sandbox/session-tokens.server";
import { appEnvironment, startAppProcess } from "./app-process";
import { parseEnv } from "../../app/lib/env.server";
import { buildAndSnapshot, migrate } from "./build";
import {
  configuredShops,
  forgetDemoOrders,
  openDatabase,
  registerDemoC2bUrls,
  registerDemoPull,
  seedDemoShop,
} from "./database";
import { startMailbox } from "./mailbox";
import { loadOrCreateSecrets } from "./secrets";
import { createDemoOrdersInStandin, deliverOrdersCreate } from "./shopify-side";

// The whole payment flow on one machine: the Daraja emulator and the Shopify Admin stand-in in this
// process, the built app in a child process (`node server.mjs`, as in production) on SQLite, and a
// seeded demo shop with unpaid M-PESA orders. `npm run sandbox` and the sandbox tests both use this.

export type SandboxOptions = {
  root: string;
  host?: string;
  /** 0 picks a free port. Defaults: app 3000, emulator 8089, stand-in 8090. */
  appPort?: number;
  emulatorPort?: number;
  standinPort?: number;
  databaseUrl?: string; // default file:./prisma/sandbox.sqlite
  stateDir?: string; // default <root>/.sandbox: generated keys, build snapshot, app log (keep it inside root)
  /** An emulator that is already running, instead of starting one. Refused unless it is local. */
  darajaBaseUrl?: string;
  callbackDelayMs?: number;
  /** How long after its 1037 a prompt answered "then pays anyway" is paid (default 15 s). */
  lateCallbackDelayMs?: number;
  /** Rebuild when the sources are newer than build/ (default). Tests build once in their global setup. */
  rebuild?: boolean;
  logLevel?: string;
  echoAppLogs?: boolean;
  log?: (msg: string) => void;
  /** More app variables (tests: shorter recovery waits); the sandbox's own settings win. */
  appEnv?: Record<string, string>;
};

export type Sandbox = {
  appUrl: string;
  sandboxUrl: string;
  adminUrl: string;
  emulatorUrl: string;
  standinUrl: string;
  /** The local mailbox's HTTP address (GET /messages): what the app mailed. */
  mailboxUrl: string;
  databaseUrl: string;
  apiKey: string;
  apiSecret: string;
  orders: { id: string; name: string; total: string; confirmationNumber: string }[];
  /** Resolves if the app process ends (a crash, or close()). */
  appExited: Promise<number | null>;
  close(): Promise<void>;
};

export async function startSandbox(opts: SandboxOptions): Promise<Sandbox> {
  const log = opts.log ?? (() => {});
  const host = opts.host ?? "127.0.0.1";
  const stateDir = opts.stateDir ?? path.join(opts.root, ".sandbox");
  const databaseUrl = absoluteSqliteUrl(opts.root, opts.databaseUrl ?? "file:./prisma/sandbox.sqlite");
  const appDir = path.join(stateDir, "app");
  if (opts.darajaBaseUrl) assertSandboxSafe({ darajaBaseUrls: { "the Daraja URL": opts.darajaBaseUrl }, shops: [] });

  const secrets = loadOrCreateSecrets(stateDir);
  log("applying database migrations…");
  migrate(opts.root, databaseUrl);

  const stops: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    stops.length = 0;
  };
  try {
    const db = openDatabase(databaseUrl);
    stops.push(() => db.$disconnect());
    // Before anything starts: a shop set to production Daraja in this database stops the sandbox.
    assertSandboxSafe({ darajaBaseUrls: {}, shops: await configuredShops(db) });
    buildAndSnapshot(opts.root, appDir, opts.rebuild ?? true, log);

    let darajaBaseUrl = opts.darajaBaseUrl;
    if (!darajaBaseUrl) {
      const emulator = await startEmulator({
        port: opts.emulatorPort ?? 8089,
        host,
        callbackDelayMs: opts.callbackDelayMs ?? 1500,
        lateCallbackDelayMs: opts.lateCallbackDelayMs ?? 15_000,
      });
      stops.push(() => emulator.close());
      darajaBaseUrl = emulator.url;
    }
    log("starting the Daraja emulator and the Shopify Admin stand-in…");
    const standin = await startShopifyStandin({ port: opts.standinPort ?? 8090, host });
    stops.push(() => standin.close());

    // A real SMTP server for the app's reconciliation mail (free ports; shown at /sandbox/mail).
    const mailbox = await startMailbox({ host });
    stops.push(() => mailbox.close());

    const appPort =
      opts.appPort === 0 || opts.appPort === undefined ? await freePort(host, opts.appPort ?? 3000) : opts.appPort;
    const appUrl = `http://${host}:${appPort}`;
    // A refund made in the (stand-in) admin reaches the app as Shopify's signed refunds/create.
    standin.setWebhookTarget({ url: appUrl, secret: secrets.apiSecret });

    await seedDemoShop(db, secrets.encryptionKey);
    // Reconciliation mail goes to the sandbox mailbox: give the demo shop an operations address.
    await db.shopSettings.updateMany({
      where: { shopDomain: DEMO_SHOP, operationsEmail: null },
      data: { operationsEmail: "operations@demo-shop.example" },
    });
    await forgetDemoOrders(db);
    // What the app process gets (and what this launcher's own use of app modules reads, below).
    const appEnv = appEnvironment(process.env, {
      ...opts.appEnv,
      NODE_ENV: "development", // SANDBOX_MODE is refused with NODE_ENV=production
      SANDBOX_MODE: "true",
      HOST: host,
      PORT: String(appPort),
      DATABASE_URL: databaseUrl,
      SHOPIFY_API_KEY: secrets.apiKey,
      SHOPIFY_API_SECRET: secrets.apiSecret,
      SHOPIFY_APP_URL: appUrl,
      CALLBACK_BASE_URL: appUrl,
      ENCRYPTION_KEY: secrets.encryptionKey,
      SHOPIFY_ADMIN_API_ORIGIN: standin.url,
      DARAJA_SANDBOX_BASE_URL: darajaBaseUrl,
      // Even a shop switched to production after start could only reach the local emulator.
      DARAJA_PRODUCTION_BASE_URL: darajaBaseUrl,
      // The emulator checks initiator passwords against its own (fixed, public) certificate; an
      // emulator started apart (--daraja-url) has the same one.
      DARAJA_SANDBOX_CERTIFICATE: EMULATOR_CERTIFICATE,
      DARAJA_PRODUCTION_CERTIFICATE: EMULATOR_CERTIFICATE,
      CALLBACK_IP_ALLOWLIST: "127.0.0.1,::1,::ffff:127.0.0.1",
      LOG_LEVEL: opts.logLevel ?? "info",
      JOB_WORKER: "true",
      JOB_POLL_MS: "200",
      RATE_LIMIT_PER_PHONE: "60", // a demo retries the same phone number many times
      SMTP_URL: mailbox.smtpUrl,
      SMTP_FROM: "M-PESA Checkout sandbox <sandbox@localhost>",
      SANDBOX_MAILBOX_URL: mailbox.httpUrl,
    });
    log("registering the demo shop's C2B URLs with the emulator…");
    await registerDemoC2bUrls(db, secrets.encryptionKey, { callbackBaseUrl: appUrl, darajaBaseUrl });
    log("registering the demo shop for Pull Transactions with the emulator…");
    await registerDemoPull(db, secrets.encryptionKey, { callbackBaseUrl: appUrl, darajaBaseUrl }, parseEnv(appEnv));
    await db.$disconnect(); // the app owns the database from here on

    log("starting the app (node server.mjs)…");
    const app = await startAppProcess({
      appDir,
      logFile: path.join(stateDir, "app.log"),
      echo: opts.echoAppLogs,
      env: appEnv,
    });
    stops.push(() => app.stop());

    log("creating the demo orders and sending their orders/create webhooks…");
    const created = await createDemoOrdersInStandin(standin.url);
    for (const [i, order] of created.entries())
      await deliverOrdersCreate(app.url, secrets.apiSecret, order, DEMO_ORDERS[i]);

    const keys = { apiKey: secrets.apiKey, apiSecret: secrets.apiSecret };
    return {
      appUrl: app.url,
      sandboxUrl: `${app.url}/sandbox`,
      adminUrl: `${app.url}${await embeddedAppUrl(keys, DEMO_SHOP)}`,
      emulatorUrl: darajaBaseUrl,
      standinUrl: standin.url,
      mailboxUrl: mailbox.httpUrl,
      databaseUrl,
      ...keys,
      orders: created.map((o) => ({
        id: o.id,
        name: o.name,
        total: o.total,
        confirmationNumber: o.confirmationNumber,
      })),
      appExited: app.exited,
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}

/** The app runs from the build snapshot's folder: a relative SQLite path must not move with it. */
function absoluteSqliteUrl(root: string, url: string): string {
  if (!url.startsWith("file:") || path.isAbsolute(url.slice(5))) return url;
  return `file:${path.resolve(root, url.slice(5))}`;
}

/** The wanted port if it is free, else (or for 0) one the OS picks. */
async function freePort(host: string, wanted: number): Promise<number> {
  const tryListen = (port: number) =>
    new Promise<number | null>((resolve) => {
      const server = net.createServer();
      server.once("error", () => resolve(null));
      server.listen(port, host, () => {
        const { port: got } = server.address() as net.AddressInfo;
        server.close(() => resolve(got));
      });
    });
  if (wanted !== 0) {
    const got = await tryListen(wanted);
    if (got === null) throw new Error(`port ${wanted} is in use: choose another with --port`);
    return got;
  }
  return (await tryListen(0))!;
}
