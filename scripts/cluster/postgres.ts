import { execFileSync } from "node:child_process";
import path from "node:path";
import pg from "pg";

// A fresh PostgreSQL database on the local server for one cluster run, migrated the way an instance's
// `npm run setup` does it (scripts/db.mjs migrate), dropped at the end unless kept.

export const DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/postgres";

export interface FreshDatabase {
  url: string;
  name: string;
  drop: () => Promise<void>;
}

export async function freshPostgresDatabase(root: string, serverUrl = DEFAULT_PG_URL, label = "cluster") {
  const name = `mpesa_${label}_${Date.now().toString(36)}_${process.pid}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect().catch((e: Error) => {
    throw new Error(`PostgreSQL is not reachable at ${serverUrl} (${e.message}); pass --pg <url>`);
  });
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  const url = u.toString();
  execFileSync(process.execPath, [path.join(root, "scripts", "db.mjs"), "migrate"], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: url },
    stdio: ["ignore", "ignore", "inherit"],
  });
  return {
    url,
    name,
    drop: async () => {
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  } satisfies FreshDatabase;
}
