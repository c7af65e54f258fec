import { isPostgresUrl, type Db } from "./prisma.server";

// Readiness: the database answers and every migration this build ships has been applied to it
// (`npm run setup`). The list of migrations is the build's own (collected by Vite at build time), so
// an instance started from a newer build against a database not yet migrated says "not ready"
// instead of serving queries its schema does not have.

const SHIPPED = {
  sqlite: names(import.meta.glob("/prisma/migrations/*/migration.sql", { query: "?raw", import: "default" })),
  postgresql: names(
    import.meta.glob("/prisma/postgres/migrations/*/migration.sql", { query: "?raw", import: "default" }),
  ),
};

function names(files: Record<string, unknown>): string[] {
  return Object.keys(files)
    .map((file) => file.split("/").at(-2)!)
    .sort();
}

export function shippedMigrations(databaseUrl: string): string[] {
  return isPostgresUrl(databaseUrl) ? SHIPPED.postgresql : SHIPPED.sqlite;
}

export type Readiness = { ready: true } | { ready: false; problem: string; missingMigrations?: string[] };

// SQLite is migrated by `prisma migrate deploy` (its _prisma_migrations table); PostgreSQL by
// scripts/db.mjs's own runner (_app_migrations), see there for why.
async function appliedMigrations(db: Db, databaseUrl: string): Promise<Set<string>> {
  const rows = isPostgresUrl(databaseUrl)
    ? await db.$queryRawUnsafe<{ name: string }[]>('SELECT name FROM "_app_migrations"')
    : await db.$queryRawUnsafe<{ name: string }[]>(
        "SELECT migration_name AS name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL",
      );
  return new Set(rows.map((r) => r.name));
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

export async function checkReadiness(db: Db, databaseUrl: string, timeoutMs = 2000): Promise<Readiness> {
  let applied: Set<string>;
  try {
    await withTimeout(db.$queryRawUnsafe("SELECT 1"), timeoutMs);
  } catch (error) {
    return { ready: false, problem: `database unreachable: ${(error as Error).message.split("\n")[0]}` };
  }
  try {
    applied = await withTimeout(appliedMigrations(db, databaseUrl), timeoutMs);
  } catch {
    return { ready: false, problem: "database not migrated: run `npm run setup`" };
  }
  const missing = shippedMigrations(databaseUrl).filter((name) => !applied.has(name));
  if (missing.length)
    return { ready: false, problem: "migrations not applied: run `npm run setup`", missingMigrations: missing };
  return { ready: true };
}
