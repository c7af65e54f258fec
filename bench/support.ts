// What the HTTP benchmarks share: the repository root, the app's test environment, a throw-away
// migrated database (SQLite file, or a PostgreSQL database from `--pg <url>`), autocannon with the few
// fields we read, and a quantile helper.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
// @ts-expect-error autocannon ships no types; the few fields used are typed below.
import autocannonUntyped from "autocannon";

export const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");

export const TEST_ENV = {
  NODE_ENV: "test",
  SHOPIFY_API_KEY: "testApiKey",
  SHOPIFY_API_SECRET: "testApiSecretKey",
  SHOPIFY_APP_URL: "https://my-test-app.myshopify.io",
  ENCRYPTION_KEY: "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
  LOG_LEVEL: "silent",
};

/** `--pg [url]` on the command line: the PostgreSQL server to make the throw-away database on. */
export function pgBaseFromArgv(argv = process.argv): string | null {
  const i = argv.indexOf("--pg");
  return i > 0 ? (argv[i + 1] ?? "postgresql://postgres@127.0.0.1:5432/postgres") : null;
}

export function sh(cmd: string, args: string[], env: Record<string, string> = {}) {
  execFileSync(cmd, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "inherit"] });
}

/** A fresh database with every migration applied (what `npm run setup` runs); `drop` removes it. */
export async function prepareDatabase(
  pgBase: string | null,
  prefix = "mpesa-bench-",
): Promise<{ url: string; drop: () => Promise<void> }> {
  if (!pgBase) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    const url = `file:${path.join(dir, "bench.sqlite")}`;
    sh(process.execPath, ["scripts/db.mjs", "migrate"], { DATABASE_URL: url });
    return { url, drop: async () => fs.rmSync(dir, { recursive: true, force: true }) };
  }
  const pg = (await import("pg")).default;
  const name = `mpesa_bench_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: pgBase });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  const u = new URL(pgBase);
  u.pathname = `/${name}`;
  const url = u.toString();
  // Both Prisma clients come with the install; the app picks the PostgreSQL one by URL.
  sh(process.execPath, ["scripts/db.mjs", "migrate"], { DATABASE_URL: url });
  return {
    url,
    drop: async () => {
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
    },
  };
}

export interface AutocannonResult {
  requests: { average: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
}
export type AutocannonOptions = {
  url: string;
  connections?: number;
  duration?: number;
  method?: string;
  body?: string;
  headers?: Record<string, string>;
};
const autocannon = autocannonUntyped as (
  o: AutocannonOptions,
  cb: (err: unknown, result: AutocannonResult) => void,
) => void;

/** One autocannon run (default 10 connections for `durationS` seconds). */
export function loadRun(
  url: string,
  durationS: number,
  opts: Partial<AutocannonOptions> = {},
): Promise<AutocannonResult> {
  return new Promise((resolve, reject) => {
    autocannon({ url, connections: 10, duration: durationS, ...opts }, (err, result) =>
      err ? reject(err) : resolve(result),
    );
  });
}

export const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};
