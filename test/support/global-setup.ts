import type { TestProject } from "vitest/node";
import { ROOT, dropRun, prepareTemplate } from "./databases";
import { build, buildIsStale, withBuildLock } from "../../scripts/build-if-stale.mjs";
import { staleClients } from "../../scripts/db.mjs";

declare module "vitest" {
  export interface ProvidedContext {
    testRunId: string;
  }
}

// Runs once per vitest run: check that both generated Prisma clients (made at install) match the
// schema — the same install serves both databases, nothing is regenerated for a run — migrate a
// template database for this run, and build the app if its sources are newer than the build
// (integration tests run the built server in a child process, exactly as production does).
export default async function setup(project: TestProject) {
  const runId = `${Date.now().toString(36)}${process.pid}`;
  project.provide("testRunId", runId);
  const stale = staleClients();
  if (stale.length) throw new Error(`Prisma clients out of date (${stale.join("; ")}): run \`npm run db:generate\``);
  await prepareTemplate(runId);
  withBuildLock(ROOT, () => {
    if (buildIsStale(ROOT)) build(ROOT);
  });
  return async () => {
    if (!process.env.KEEP_TEST_DATABASES) await dropRun(runId);
  };
}
