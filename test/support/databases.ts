import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";

// Test databases. Each test file gets its own fresh, migrated database, so files run in parallel
// without seeing each other's rows: a copy of a migrated SQLite template file, or a PostgreSQL
// database created from a migrated template database (CREATE DATABASE … TEMPLATE is a file copy).

export const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..", "..");
export const TEMPLATE_DIR = path.join(os.tmpdir(), "mpesa-checkout-test");
export const SQLITE_TEMPLATE = path.join(TEMPLATE_DIR, "template.sqlite");
export const PG_TEMPLATE = "mpesa_checkout_tpl";

export function isPostgres() {
  return !!process.env.TEST_DATABASE_URL?.startsWith("postgres");
}

export function pgUrl(database: string) {
  const u = new URL(process.env.TEST_DATABASE_URL!);
  u.pathname = `/${database}`;
  return u.toString();
}

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

export async function prepareTemplate() {
  fs.mkdirSync(TEMPLATE_DIR, { recursive: true });
  if (isPostgres()) {
    await withAdmin(async (c) => {
      const old = await c.query("SELECT datname FROM pg_database WHERE datname LIKE 'mpesa_t_%' OR datname = $1", [
        PG_TEMPLATE,
      ]);
      for (const { datname } of old.rows) await c.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
      await c.query(`CREATE DATABASE "${PG_TEMPLATE}"`);
    });
    runDbScript(["migrate"], pgUrl(PG_TEMPLATE));
  } else {
    for (const f of fs.readdirSync(TEMPLATE_DIR)) fs.rmSync(path.join(TEMPLATE_DIR, f), { force: true, recursive: true });
    runDbScript(["migrate"], `file:${SQLITE_TEMPLATE}`);
  }
}

let counter = 0;
/** A fresh, migrated database for one test file (or one test that needs isolation). */
export async function freshDatabaseUrl(): Promise<string> {
  const id = `${process.pid}_${Date.now().toString(36)}_${counter++}`;
  if (isPostgres()) {
    const name = `mpesa_t_${id}`;
    await withAdmin((c) => c.query(`CREATE DATABASE "${name}" TEMPLATE "${PG_TEMPLATE}"`));
    return pgUrl(name);
  }
  const file = path.join(TEMPLATE_DIR, `t_${id}.sqlite`);
  fs.copyFileSync(SQLITE_TEMPLATE, file);
  return `file:${file}`;
}
