import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { ROOT, isPostgres, prepareTemplate } from "./databases";

// Runs once per vitest run: generate the Prisma client for the database under test, migrate a template
// database, and build the app if its sources are newer than the build (integration tests run the built
// server in a child process, exactly as production does).
export default async function setup() {
  const url = isPostgres() ? process.env.TEST_DATABASE_URL! : "file:./prisma/dev.sqlite";
  execFileSync(path.join(ROOT, "node_modules", ".bin", "prisma"), ["generate"], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: url },
    stdio: ["ignore", "ignore", "inherit"],
  });
  await prepareTemplate();
  if (buildIsStale()) {
    execFileSync(path.join(ROOT, "node_modules", ".bin", "remix"), ["vite:build"], {
      cwd: ROOT,
      env: { ...process.env, NODE_ENV: "production" },
      stdio: ["ignore", "ignore", "inherit"],
    });
  }
}

function newest(dir: string): number {
  let max = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    max = Math.max(max, entry.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs);
  }
  return max;
}

function buildIsStale() {
  const server = path.join(ROOT, "build", "server", "index.js");
  if (!fs.existsSync(server)) return true;
  const built = fs.statSync(server).mtimeMs;
  return ["app", "remix.config.js", "vite.config.ts", "package-lock.json"].some((p) => {
    const full = path.join(ROOT, p);
    if (!fs.existsSync(full)) return false;
    return fs.statSync(full).isDirectory() ? newest(full) > built : fs.statSync(full).mtimeMs > built;
  });
}
