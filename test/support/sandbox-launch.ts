import path from "node:path";
import { startSandbox } from "../../scripts/sandbox/index";

// Starts the sandbox the way `npm run sandbox` does — in a process of its own that has none of the app's
// configuration (a fresh machine has no .env): the launcher must bring everything it and the app need.
// Used by test/sandbox.test.ts; prints "READY <sandbox URL>", stops on SIGTERM.
const [stateDir, databaseUrl] = process.argv.slice(2);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..", "..");
const sandbox = await startSandbox({
  root,
  appPort: 0,
  emulatorPort: 0,
  standinPort: 0,
  databaseUrl,
  stateDir,
  callbackDelayMs: 200,
  logLevel: "warn",
  rebuild: false, // the test run's global setup has built the app
  log: () => {},
});
console.log(`READY ${sandbox.sandboxUrl}`);
process.on("SIGTERM", () => {
  void sandbox.close().then(() => process.exit(0));
});
