import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { ROOT, dropRun, isPostgres, prepareTemplate } from "./databases";

declare module "vitest" {
  export interface ProvidedContext {
    testRunId: string;
  }
}

// Runs once per vitest run: make sure the generated Prisma client matches the database under test,
// migrate a template database for this run, and build the app if its sources are newer than the build
// (integration tests run the built server in a child process, exactly as production does).
export default async function setup(project: TestProject) {
  const runId = `${Date.now().toString(36)}${process.pid}`;
  project.provide("testRunId", runId);
  ensurePrismaClient(isPostgres() ? "postgresql" : "sqlite");
  await prepareTemplate(runId);
  withLock("build", () => {
    if (buildIsStale()) {
      execFileSync(path.join(ROOT, "node_modules", ".bin", "remix"), ["vite:build"], {
        cwd: ROOT,
        env: { ...process.env, NODE_ENV: "production" },
        stdio: ["ignore", "ignore", "inherit"],
      });
    }
  });
  return async () => {
    if (!process.env.KEEP_TEST_DATABASES) await dropRun(runId);
  };
}

function ensurePrismaClient(provider: "sqlite" | "postgresql") {
  const generated = path.join(ROOT, "node_modules", ".prisma", "client", "schema.prisma");
  const current = fs.existsSync(generated) ? fs.readFileSync(generated, "utf8") : "";
  const source = fs.readFileSync(path.join(ROOT, "prisma", "schema.prisma"), "utf8");
  const wanted = source.replace(/provider\s*=\s*"sqlite"/, `provider = "${provider}"`);
  const models = (s: string) => s.slice(s.indexOf("model "));
  if (current.includes(`provider = "${provider}"`) && models(current) === models(wanted)) return;
  execFileSync(path.join(ROOT, "node_modules", ".bin", "prisma"), ["generate"], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: provider === "postgresql" ? process.env.TEST_DATABASE_URL! : "file:./prisma/dev.sqlite",
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
}

function withLock(name: string, fn: () => void) {
  const dir = path.join(ROOT, "node_modules", ".cache", `lock-${name}`);
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
