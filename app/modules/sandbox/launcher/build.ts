import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

// Prepares the app exactly as production does before `node server.mjs`: `remix vite:build` when the
// sources are newer than the build, then `node scripts/db.mjs migrate` on the sandbox database.

function newest(p: string): number {
  const stat = fs.statSync(p);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let max = 0;
  for (const entry of fs.readdirSync(p)) max = Math.max(max, newest(path.join(p, entry)));
  return max;
}

export function buildIsStale(root: string): boolean {
  const server = path.join(root, "build", "server", "index.js");
  if (!fs.existsSync(server)) return true;
  const built = fs.statSync(server).mtimeMs;
  return ["app", "remix.config.js", "vite.config.ts", "package-lock.json"]
    .map((p) => path.join(root, p))
    .some((p) => fs.existsSync(p) && newest(p) > built);
}

/** The same lock directory the test setup uses, so a test run and the sandbox never build at once. */
function withBuildLock(root: string, fn: () => void) {
  const dir = path.join(root, "node_modules", ".cache", "lock-build");
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const started = Date.now();
  for (;;) {
    try {
      fs.mkdirSync(dir);
      break;
    } catch {
      if (Date.now() - started > 120_000) fs.rmSync(dir, { recursive: true, force: true });
      execFileSync("sleep", ["0.2"]);
    }
  }
  try {
    fn();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Builds when stale, then copies server.mjs and build/ into `appDir` (inside the repository, so
 * node_modules resolves): the running sandbox keeps a consistent build even if a later
 * `remix vite:build` (a test run, another terminal) replaces build/ underneath it.
 */
export function buildAndSnapshot(root: string, appDir: string, rebuild: boolean, log: (msg: string) => void) {
  withBuildLock(root, () => {
    if (rebuild ? buildIsStale(root) : !fs.existsSync(path.join(root, "build", "server", "index.js"))) {
      log("building the app (remix vite:build)…");
      // Vite's chunking warnings would bury the addresses the sandbox prints; a failure still shows them.
      execFileSync(path.join(root, "node_modules", ".bin", "remix"), ["vite:build"], {
        cwd: root,
        env: { ...process.env, NODE_ENV: "production" },
        stdio: ["ignore", "ignore", "pipe"],
      });
    }
    fs.rmSync(appDir, { recursive: true, force: true });
    fs.mkdirSync(appDir, { recursive: true });
    fs.cpSync(path.join(root, "build"), path.join(appDir, "build"), { recursive: true });
    fs.copyFileSync(path.join(root, "server.mjs"), path.join(appDir, "server.mjs"));
  });
}

export function migrate(root: string, databaseUrl: string) {
  execFileSync(process.execPath, [path.join(root, "scripts", "db.mjs"), "migrate"], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: databaseUrl },
    stdio: ["ignore", "ignore", "inherit"],
  });
}
