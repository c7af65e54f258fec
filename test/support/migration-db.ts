import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { inject } from "vitest";
import { createPrismaClient } from "../../app/db.server";
import { isPostgres, pgUrl, ROOT, runDir } from "./databases";

// A database as deployed before a given migration, for migration tests: the very SQL files
// `npm run setup` applies, on SQLite or PostgreSQL (TEST_DATABASE_URL), in a database of its own.

const dir = isPostgres()
  ? path.join(ROOT, "prisma", "postgres", "migrations")
  : path.join(ROOT, "prisma", "migrations");

export const migrationNames = fs
  .readdirSync(dir)
  .filter((n) => fs.statSync(path.join(dir, n)).isDirectory())
  .sort();

export const migrationSql = (name: string) => fs.readFileSync(path.join(dir, name, "migration.sql"), "utf8");

/** Index of the migration whose folder name ends with `_<name>`; -1 when there is none. */
export const migrationIndex = (name: string) => migrationNames.findIndex((n) => n.endsWith(`_${name}`));

export type MigrationDb = { url: string; run: (sql: string) => Promise<void>; close: () => Promise<void> };

/** A new empty database; `run` executes SQL (the whole file on PostgreSQL, statement by statement on SQLite). */
export async function openMigrationDb(tag: string): Promise<MigrationDb> {
  const runId = inject("testRunId");
  if (isPostgres()) {
    const name = `mpesa_${tag}_${runId}_${process.pid}`;
    const admin = new pg.Client({ connectionString: pgUrl("postgres") });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`);
    await admin.end();
    const client = new pg.Client({ connectionString: pgUrl(name) });
    await client.connect();
    return { url: pgUrl(name), run: async (sql) => void (await client.query(sql)), close: () => client.end() };
  }
  const file = path.join(runDir(runId), `migration_${tag}_${process.pid}.sqlite`);
  fs.rmSync(file, { force: true });
  const url = `file:${file}`;
  const db = createPrismaClient(url);
  const run = async (sql: string) => {
    const statements = sql
      .split(/;\s*\n/)
      .map((s) => s.replace(/^\s*--.*$/gm, "").trim())
      .filter(Boolean);
    for (const s of statements) await db.$executeRawUnsafe(s);
  };
  return { url, run, close: () => db.$disconnect() };
}
