import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";

// Test databases. Each test file gets its own fresh, migrated database, so files run in parallel
// without seeing each other's rows: a copy of a migrated SQLite template file, or a PostgreSQL
// database created from a migrated template database (CREATE DATABASE … TEMPLATE is a file copy).
// Everything is namespaced by a run id, so two test runs on one machine never touch each other.

export const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..", "..");

export function isPostgres() {
  return !!process.env.TEST_DATABASE_URL?.startsWith("postgres");
}

export function pgUrl(database: string) {
  const u = new URL(process.env.TEST_DATABASE_URL!);
  u.pathname = `/${database}`;
  return u.toString();
}

export function runDir(runId: string) {
  return path.join(os.tmpdir(), "mpesa-checkout-test", runId);
}
const sqliteTemplate = (runId: string) => path.join(runDir(runId), "template.sqlite");
const pgTemplate = (runId: string) => `mpesa_tpl_${runId}`;

async function withAdmin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: pgUrl("postgres") });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export function runDbScript(args: string[], databaseUrl: string) {
  execFileSync(process.execPath, [path.join(ROOT, "scripts", "db.mjs"), ...args], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl },
    stdio: ["ignore", "pipe", "inherit"],
  });
}

export async function prepareTemplate(runId: string) {
  fs.mkdirSync(runDir(runId), { recursive: true });
  if (isPostgres()) {
    await withAdmin((c) => c.query(`CREATE DATABASE "${pgTemplate(runId)}"`));
    runDbScript(["migrate"], pgUrl(pgTemplate(runId)));
  } else {
    runDbScript(["migrate"], `file:${sqliteTemplate(runId)}`);
  }
}

export async function dropRun(runId: string) {
  fs.rmSync(runDir(runId), { recursive: true, force: true });
  if (!isPostgres()) return;
  await withAdmin(async (c) => {
    const rows = await c.query("SELECT datname FROM pg_database WHERE datname LIKE $1", [`mpesa_%_${runId}%`]);
    for (const { datname } of rows.rows) await c.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  });
}

let counter = 0;
/** A fresh, migrated database for one test file (or one test that needs isolation). */
export async function freshDatabaseUrl(runId: string): Promise<string> {
  const id = `${process.pid}_${counter++}`;
  if (isPostgres()) {
    const name = `mpesa_t_${runId}_${id}`;
    await withAdmin((c) => c.query(`CREATE DATABASE "${name}" TEMPLATE "${pgTemplate(runId)}"`));
    return pgUrl(name);
  }
  const file = path.join(runDir(runId), `t_${id}.sqlite`);
  fs.copyFileSync(sqliteTemplate(runId), file);
  return `file:${file}`;
}

/** An empty database (no tables, not migrated) for this run: what a first deploy starts from. */
export async function emptyDatabaseUrl(runId: string, label: string): Promise<string> {
  const id = `${label}_${process.pid}_${counter++}`;
  if (isPostgres()) {
    const name = `mpesa_${id}_${runId}`;
    await withAdmin((c) => c.query(`CREATE DATABASE "${name}"`));
    return pgUrl(name);
  }
  return `file:${path.join(runDir(runId), `${id}.sqlite`)}`;
}
