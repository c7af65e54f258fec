import fs from "node:fs";
import path from "node:path";
import { startSandbox, type Sandbox, type SandboxOptions } from "../scripts/sandbox/index";
import { ROOT } from "./support/databases";

// The sandbox as `npm run sandbox` starts it, on free ports and this test file's own database, with
// its generated keys and build snapshot in a throwaway folder (inside the repository, so the app's
// node_modules resolve; .sandbox/ is gitignored).

export function sandboxStateDir(name: string): string {
  return path.join(ROOT, ".sandbox", `test-${name}-${process.pid}-${Date.now().toString(36)}`);
}

export function startTestSandbox(stateDir: string, extra: Partial<SandboxOptions> = {}): Promise<Sandbox> {
  return startSandbox({
    root: ROOT,
    appPort: 0,
    emulatorPort: 0,
    standinPort: 0,
    databaseUrl: process.env.DATABASE_URL!,
    stateDir,
    callbackDelayMs: 200,
    logLevel: "warn",
    rebuild: false, // the test run's global setup has built the app
    ...extra,
  });
}

export function removeStateDir(stateDir: string) {
  fs.rmSync(stateDir, { recursive: true, force: true });
}
