import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium, type BrowserContext } from "playwright-core";
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

const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
// Headless Chromium announces itself as "HeadlessChrome", which the Shopify library rejects as a bot
// (410) on every authenticated route; a person's browser does not.
const USER_AGENT =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";

export interface TestBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Debian's headless Chromium (bash .ci/install-chromium.sh) in a throwaway profile, 1360 px wide. */
export async function launchTestBrowser(
  opts: { height?: number; acceptDownloads?: boolean } = {},
): Promise<TestBrowser> {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "mpesa-chromium-"));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: CHROMIUM_ARGS,
    userAgent: USER_AGENT,
    viewport: { width: 1360, height: opts.height ?? 1000 },
    ...(opts.acceptDownloads ? { acceptDownloads: true } : {}),
  });
  return {
    context,
    async close() {
      await context.close();
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
