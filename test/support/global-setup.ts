import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { ROOT, dropRun, isPostgres, prepareTemplate } from "./databases";
import { build, buildIsStale, withBuildLock } from "../../scripts/build-if-stale.mjs";

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
  withBuildLock(ROOT, () => {
    if (buildIsStale(ROOT)) build(ROOT);
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

