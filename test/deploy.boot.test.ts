import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, inject, it } from "vitest";
import { createPrismaClient } from "../app/db.server";
import { ROOT, emptyDatabaseUrl, isPostgres, runDbScript } from "./support/databases";
import { startAppServer, type AppServer } from "./support/app-server";

// The production start path on the database under test (the suite runs once on SQLite, once on
// PostgreSQL), with the install the tests run from: no Prisma client is regenerated for either.
// `npm run docker-start` is the Docker image's CMD: migrate, then `node server.mjs`.

const database = isPostgres() ? "PostgreSQL" : "SQLite";
const started: AppServer[] = [];
afterAll(async () => {
  await Promise.all(started.map((app) => app.kill()));
});

async function get(app: AppServer, path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${app.url}${path}`, { headers });
  return { status: res.status, type: res.headers.get("content-type"), text: await res.text() };
}

describe(`production start on ${database}`, () => {
  it("npm run docker-start migrates an empty database, serves, is ready, and exits 0 on SIGTERM", async () => {
    const url = await emptyDatabaseUrl(inject("testRunId"), "boot");
    const t0 = performance.now();
    const app = await startAppServer(
      { DATABASE_URL: url, NODE_ENV: "production", JOB_WORKER: "true", LOG_LEVEL: "info" },
      undefined,
      {
        command: ["npm", "run", "docker-start"],
        startTimeoutMs: 60_000,
      },
    );
    started.push(app);
    const listeningMs = performance.now() - t0;

    expect(await get(app, "/healthz")).toMatchObject({ status: 200, text: "ok" });
    const ready = await get(app, "/readyz");
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.text)).toEqual({ status: "ready" });
    // The worker runs on this database (its daily housekeeping pass logs on start).
    expect(app.output()).toContain('"msg":"job worker started"');
    // No METRICS_TOKEN configured: /metrics does not exist.
    expect((await get(app, "/metrics")).status).toBe(404);
    console.log(
      `[deploy.boot] ${database}: npm run docker-start (migrate + start) listening after ${Math.round(listeningMs)} ms`,
    );

    await app.stop();
    expect(await app.exited).toEqual({ code: 0, signal: null });
    expect(app.output()).toContain('"msg":"stopped"');
  });

  it("node server.mjs on an already migrated database is ready; a missing migration makes it not ready", async () => {
    const url = await emptyDatabaseUrl(inject("testRunId"), "ready");
    runDbScript(["migrate"], url); // what `npm run setup` runs
    const t0 = performance.now();
    const app = await startAppServer({ DATABASE_URL: url });
    started.push(app);
    console.log(`[deploy.boot] ${database}: node server.mjs listening after ${Math.round(performance.now() - t0)} ms`);
    expect((await get(app, "/readyz")).status).toBe(200);

    const db = createPrismaClient(url);
    try {
      const latest = isPostgres()
        ? (
            await db.$queryRawUnsafe<{ name: string }[]>(
              'SELECT name FROM "_app_migrations" ORDER BY name DESC LIMIT 1',
            )
          )[0].name
        : (
            await db.$queryRawUnsafe<{ name: string }[]>(
              "SELECT migration_name AS name FROM _prisma_migrations ORDER BY migration_name DESC LIMIT 1",
            )
          )[0].name;
      if (isPostgres()) await db.$executeRawUnsafe('DELETE FROM "_app_migrations" WHERE name = $1', latest);
      else await db.$executeRawUnsafe("DELETE FROM _prisma_migrations WHERE migration_name = ?", latest);
      const notReady = await get(app, "/readyz");
      expect(notReady.status).toBe(503);
      expect(JSON.parse(notReady.text)).toMatchObject({
        status: "not ready",
        ready: false,
        missingMigrations: [latest],
      });
      // Alive all the same: liveness does not depend on the database.
      expect((await get(app, "/healthz")).status).toBe(200);
    } finally {
      await db.$disconnect();
    }
  });

  it("instances starting together migrate one empty database once, without failing", async () => {
    const url = await emptyDatabaseUrl(inject("testRunId"), "race");
    const migrate = () =>
      promisify(execFile)(process.execPath, [path.join(ROOT, "scripts", "db.mjs"), "migrate"], {
        cwd: ROOT,
        env: { ...process.env, DATABASE_URL: url },
      });
    const runs = await Promise.allSettled([migrate(), migrate(), migrate()]);
    expect(runs.map((r) => r.status)).toEqual(["fulfilled", "fulfilled", "fulfilled"]);
    const app = await startAppServer({ DATABASE_URL: url });
    started.push(app);
    expect((await get(app, "/readyz")).status).toBe(200);
  });

  it("SIGTERM the moment it listens still shuts down gracefully (exit 0)", async () => {
    const url = await emptyDatabaseUrl(inject("testRunId"), "early");
    runDbScript(["migrate"], url);
    const app = await startAppServer({ DATABASE_URL: url, JOB_WORKER: "true" });
    started.push(app);
    await app.stop();
    expect(await app.exited).toEqual({ code: 0, signal: null });
  });
});
