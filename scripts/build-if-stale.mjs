// `remix vite:build` when the app's sources are newer than the build, under a lock shared by every
// caller on this machine (the test setup, the sandbox), so two builds never write build/ at once.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

function newest(p) {
  const stat = fs.statSync(p);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let max = 0;
  for (const entry of fs.readdirSync(p)) max = Math.max(max, newest(path.join(p, entry)));
  return max;
}

/** @param {string} root */
export function buildIsStale(root) {
  const server = path.join(root, "build", "server", "index.js");
  if (!fs.existsSync(server)) return true;
  const built = fs.statSync(server).mtimeMs;
  return ["app", "remix.config.js", "vite.config.ts", "package-lock.json"]
    .map((p) => path.join(root, p))
    .some((p) => fs.existsSync(p) && newest(p) > built);
}

/** @param {string} root @param {() => void} fn */
export function withBuildLock(root, fn) {
  const dir = path.join(root, "node_modules", ".cache", "lock-build");
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const started = Date.now();
  for (;;) {
    try {
      fs.mkdirSync(dir);
      break;
    } catch {
      // A lock older than two minutes belongs to a build that died.
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

/** Builds (production mode) unless the build is current; call inside withBuildLock. */
export function build(root) {
  // Vite's chunking warnings would bury what callers print; a failure still shows stderr.
  execFileSync(path.join(root, "node_modules", ".bin", "remix"), ["vite:build"], {
    cwd: root,
    env: { ...process.env, NODE_ENV: "production" },
    stdio: ["ignore", "ignore", "inherit"],
  });
}

// `node scripts/build-if-stale.mjs --if-missing` (npm's prestart): build only when there is no build
// at all, so `npm ci && npm run setup && npm start` works from a clean clone. An existing build is
// never touched (a deployed image has no dev dependencies to build with).
if (import.meta.url === `file://${process.argv[1]}`) {
  const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
  const missing = () => !fs.existsSync(path.join(root, "build", "server", "index.js"));
  const wanted = process.argv.includes("--if-missing") ? missing : () => buildIsStale(root);
  if (wanted()) {
    withBuildLock(root, () => {
      if (!wanted()) return;
      console.log("building the app (npm run build)…");
      build(root);
    });
  }
}
