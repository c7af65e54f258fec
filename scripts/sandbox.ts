// `npm run sandbox`: the whole payment flow on this machine — the app (built, on SQLite), the Daraja
// emulator and the Shopify Admin stand-in, with a demo shop and unpaid M-PESA orders. Ctrl-C stops all.
//   npm run sandbox -- [--port 3000] [--emulator-port 8089] [--standin-port 8090] [--verbose]
import path from "node:path";
import { parseArgs } from "node:util";
import { startSandbox } from "./sandbox/index";
import { SandboxRefusedError } from "../app/modules/sandbox/safety";

const { values: args } = parseArgs({
  options: {
    port: { type: "string", default: "3000" },
    "emulator-port": { type: "string", default: "8089" },
    "standin-port": { type: "string", default: "8090" },
    "daraja-url": { type: "string" },
    verbose: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});
if (args.help) {
  console.log(
    "usage: npm run sandbox -- [--port 3000] [--emulator-port 8089] [--standin-port 8090] [--daraja-url URL] [--verbose]",
  );
  process.exit(0);
}

const port = (name: string, v: string | undefined) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new Error(`--${name} must be a port number (0 picks a free one)`);
  return n;
};

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const say = (msg: string) => console.log(`[sandbox] ${msg}`);

try {
  say("starting the Daraja emulator, the Shopify Admin stand-in and the app…");
  const sandbox = await startSandbox({
    root,
    appPort: port("port", args.port),
    emulatorPort: port("emulator-port", args["emulator-port"]),
    standinPort: port("standin-port", args["standin-port"]),
    darajaBaseUrl: args["daraja-url"],
    echoAppLogs: args.verbose,
    log: say,
  });
  const orders = sandbox.orders.map((o) => `${o.name} KES ${Number(o.total).toLocaleString("en-KE")}`).join(", ");
  console.log(`
  M-PESA Checkout sandbox is running (demo shop seeded: ${orders}).

    Pay as a shopper        ${sandbox.sandboxUrl}
    Merchant's settings     ${sandbox.adminUrl.replace("/app?", "/app/settings?")}
    Daraja emulator         ${sandbox.emulatorUrl}   (control API: /__emulator/)
    Shopify Admin stand-in  ${sandbox.standinUrl}   (control API: /__standin/)
    Reconciliation          ${sandbox.adminUrl.replace("/app?", "/app/reconciliation?")}
    Mail the app sent       ${sandbox.appUrl}/sandbox/mail   (a local SMTP server)

  App log: .sandbox/app.log${args.verbose ? " (also shown here)" : " (--verbose shows it here)"}. Press Ctrl-C to stop.
`);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    say(`${signal}: stopping…`);
    await sandbox.close();
    say("stopped");
    process.exit(0);
  };
  void sandbox.appExited.then(async (code) => {
    if (stopping) return;
    stopping = true;
    console.error(
      `[sandbox] the app stopped unexpectedly (exit code ${code}); see .sandbox/app.log. Stopping the rest.`,
    );
    await sandbox.close();
    process.exit(1);
  });
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
} catch (e) {
  if (e instanceof SandboxRefusedError) {
    console.error(`[sandbox] ${e.message}`);
    if (e.problems.some((p) => p.includes("configured for"))) {
      console.error(
        "[sandbox] The sandbox database is prisma/sandbox.sqlite: delete it to start over with the demo shop.",
      );
    }
  } else {
    console.error(`[sandbox] could not start: ${(e as Error).message}`);
  }
  process.exit(1);
}
