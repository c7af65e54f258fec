import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { build, buildIsStale, withBuildLock } from "../build-if-stale.mjs";

// Prepares the app exactly as production does before `node server.mjs`: `remix vite:build` when the
// sources are newer than the build, then `node scripts/db.mjs migrate` on the sandbox database.

/**
 * Builds when stale, then copies server.mjs and build/ into `appDir` (inside the repository, so
 * node_modules resolves): the running sandbox keeps a consistent build even if a later
 * `remix vite:build` (a test run, another terminal) replaces build/ underneath it.
 */
export function buildAndSnapshot(root: string, appDir: string, rebuild: boolean, log: (msg: string) => void) {
  withBuildLock(root, () => {
    if (rebuild ? buildIsStale(root) : !fs.existsSync(path.join(root, "build", "server", "index.js"))) {
      log("building the app (remix vite:build)…");
      build(root);
    }
    fs.rmSync(appDir, { recursive: true, force: true });
    fs.mkdirSync(appDir, { recursive: true });
    fs.cpSync(path.join(root, "build"), path.join(appDir, "build"), { recursive: true });
    fs.copyFileSync(path.join(root, "server.mjs"), path.join(appDir, "server.mjs"));
    fs.cpSync(path.join(root, "server"), path.join(appDir, "server"), { recursive: true }); // server.mjs's middleware
  });
}

export function migrate(root: string, databaseUrl: string) {
  execFileSync(process.execPath, [path.join(root, "scripts", "db.mjs"), "migrate"], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: databaseUrl },
    stdio: ["ignore", "ignore", "inherit"],
  });
}
