// npm run bench:reconcile [-- --pg postgresql://postgres@127.0.0.1:5432/postgres]
//
// Statement import at 1,000 / 10,000 / 100,000 rows (BENCH_SIZES), CSV and XLSX (BENCH_FORMATS): files
// written by the emulator's statement writer, then parsed, checked against their control totals and
// stored in a fresh migrated database — time and peak memory per size, in the same run, so the growth
// is visible as a ratio (time per 1,000 rows against the smallest size). Each import runs in its own
// child process, so its memory high-water (getrusage maxRSS, and the V8 heap sampled every 5 ms) is
// its own. The re-import of the same file (every row already known: nothing written) is timed too.
// Then the reconciliation run (CSV databases): one ledger row per statement credit is written (a
// SUCCEEDED PaymentAttempt and its MpesaReceipt, same receipt, amount and time), and a fresh child times
// runReconciliation over the statement's period — the statement against the ledger, the ledger's own
// checks, the open-matter queries — with its own peak memory; the report must hold zero mismatches.
// Targets (issue 12): under 10 s and under 250 MB at 100,000 rows, growing linearly.
import { Prisma } from "@prisma/client";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { ROOT, pgBaseFromArgv, prepareDatabase } from "./support";

const SIZES = (process.env.BENCH_SIZES ?? "1000,10000,100000").split(",").map(Number);
const FORMATS = (process.env.BENCH_FORMATS ?? "csv,xlsx").split(",") as ("csv" | "xlsx")[];
// Optional V8 old-space cap for the measured child (MB): shows how much of the high-water is live data
// rather than garbage V8 had not collected yet.
const MAX_OLD_SPACE_MB = process.env.BENCH_MAX_OLD_SPACE_MB;
// The reconciliation run is timed after each CSV import unless BENCH_RUN=false.
const RUN_RECONCILIATION_BENCH = process.env.BENCH_RUN !== "false";
const pgBase = pgBaseFromArgv();
const SHOP = "bench-shop.myshopify.com";
const SHORTCODE = "600123";

const TEST_ENV: Record<string, string> = {
  NODE_ENV: "test",
  SHOPIFY_API_KEY: "testApiKey",
  SHOPIFY_API_SECRET: "testApiSecretKey",
  SHOPIFY_APP_URL: "https://my-test-app.myshopify.io",
  ENCRYPTION_KEY: "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
  LOG_LEVEL: "silent",
};

type ChildResult = {
  rows: number;
  newRows: number;
  status: string;
  importMs: number;
  reimportMs: number;
  reimportKnown: number;
  baselineRssMb: number;
  maxRssMb: number;
  heapPeakMb: number;
};

async function child(file: string) {
  const mb = (b: number) => Math.round((b / 2 ** 20) * 10) / 10;
  const { createReadStream } = await import("node:fs");
  const { createPrismaClient } = await import("../app/db.server");
  const { importStatement } = await import("../app/modules/reconciliation/import.server");
  const { shortcodeCheckFromAccounts } = await import("../app/modules/reconciliation/shortcodes.server");
  const db = createPrismaClient();
  await db.mpesaAccount.create({
    data: {
      shopDomain: SHOP,
      defaultForShop: SHOP,
      environment: "sandbox",
      kind: "paybill",
      businessShortCode: SHORTCODE,
      consumerKey: "k",
      consumerSecretEnc: "sealed",
      passkeyEnc: "sealed",
    },
  });
  const baselineRss = process.memoryUsage().rss;
  let heapPeak = 0;
  const sampler = setInterval(() => (heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed)), 5);
  const run = () =>
    importStatement(db, {
      shop: SHOP,
      file: {
        name: path.basename(file),
        bytes: fs.statSync(file).size,
        sha256: "bench",
        source: { open: () => createReadStream(file) },
      },
      checkShortcode: shortcodeCheckFromAccounts(db),
      limits: { maxRows: 200_000, maxBytes: 100 * 2 ** 20 },
      now: new Date("2030-01-01T00:00:00Z"),
    });
  let t = performance.now();
  const first = await run();
  const importMs = performance.now() - t;
  t = performance.now();
  const again = await run();
  const reimportMs = performance.now() - t;
  clearInterval(sampler);
  await db.$disconnect();
  const result: ChildResult = {
    rows: first.rows,
    newRows: first.newRows,
    status: first.status === "IMPORTED" ? "IMPORTED" : `REFUSED ${JSON.stringify(first.problems)}`,
    importMs: Math.round(importMs),
    reimportMs: Math.round(reimportMs),
    reimportKnown: again.knownRows,
    baselineRssMb: mb(baselineRss),
    maxRssMb: mb(process.resourceUsage().maxRSS * 1024),
    heapPeakMb: mb(heapPeak),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

type RunChildResult = {
  ledgerRows: number;
  seedMs: number;
  runMs: number;
  rerunMs: number;
  items: number;
  matched: number;
  maxRssMb: number;
  heapPeakMb: number;
};

/**
 * Writes one ledger row (a SUCCEEDED attempt and its receipt) per imported credit, straight from the
 * imported rows: two INSERT … SELECT statements, so seeding 100,000 rows takes seconds, not minutes.
 */
async function seedLedger() {
  const { createPrismaClient } = await import("../app/db.server");
  const db = createPrismaClient();
  const t = performance.now();
  const credits = Prisma.sql`FROM "StatementRow" WHERE "shopDomain" = ${SHOP} AND "kind" = 'credit'`;
  const written = await db.$executeRaw`INSERT INTO "PaymentAttempt" ("id", "shopDomain", "orderGid", "amountKes",
      "paidAmountKes", "environment", "status", "callbackTokenHash", "checkoutRequestId", "mpesaReceipt",
      "transactionDate", "createdAt", "updatedAt", "completedAt")
    SELECT 'bench-' || "receipt", "shopDomain", 'gid://shopify/Order/' || "receipt", "amountKes", "amountKes",
      'production', 'SUCCEEDED', 'bench-' || "receipt", 'ws_CO_' || "receipt", "receipt", "completedAt",
      "completedAt", "completedAt", "completedAt"
    ${credits}`;
  const receipts = await db.$executeRaw`INSERT INTO "MpesaReceipt" ("receipt", "shopDomain", "channel", "amountKes",
      "orderGid", "createdAt")
    SELECT "receipt", "shopDomain", 'STK', "amountKes", 'gid://shopify/Order/' || "receipt", "completedAt"
    ${credits}`;
  if (receipts !== written) throw new Error(`seeded ${written} attempts but ${receipts} receipts`);
  // A ledger grows a payment at a time and autovacuum keeps PostgreSQL's statistics of it; seeded at
  // once, its tables are analyzed as autovacuum would soon after (without statistics the planner took a
  // nested loop: 7.7 s at 5,000 rows instead of 0.16 s). The imported statement is left unanalyzed, as
  // a run right after an import finds it. SQLite keeps no statistics by default.
  if ((db as { _activeProvider?: string })._activeProvider === "postgresql")
    await db.$executeRawUnsafe(`ANALYZE "PaymentAttempt", "MpesaReceipt"`);
  await db.$disconnect();
  return { written, seedMs: Math.round(performance.now() - t) };
}

async function runChild(seedJson: string) {
  const mb = (b: number) => Math.round((b / 2 ** 20) * 10) / 10;
  const seed = JSON.parse(seedJson) as { written: number; seedMs: number };
  const { createPrismaClient } = await import("../app/db.server");
  const { runReconciliation } = await import("../app/modules/reconciliation/run/run.server");
  const db = createPrismaClient();
  const imp = await db.statementImport.findFirstOrThrow({ where: { shopDomain: SHOP, status: "IMPORTED" } });
  const window = { from: imp.periodFrom!, to: new Date(imp.periodTo!.getTime() + 1000) };
  let heapPeak = process.memoryUsage().heapUsed;
  const sample = () => (heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed));
  const sampler = setInterval(sample, 5);
  const deps = { db, now: () => new Date(), claimMs: 600_000 };
  let t = performance.now();
  const first = await runReconciliation(deps, { shop: SHOP, window, trigger: "ON_DEMAND" });
  const runMs = performance.now() - t;
  t = performance.now();
  await runReconciliation(deps, { shop: SHOP, window, trigger: "ON_DEMAND" });
  const rerunMs = performance.now() - t;
  sample();
  clearInterval(sampler);
  const run = await db.reconciliationRun.findFirstOrThrow({ where: { shopDomain: SHOP } });
  await db.$disconnect();
  const result: RunChildResult = {
    ledgerRows: seed.written,
    seedMs: seed.seedMs,
    runMs: Math.round(runMs),
    rerunMs: Math.round(rerunMs),
    items: first.status === "done" ? first.itemCount : -1,
    matched: JSON.parse(run.summary ?? "{}").statementMatched ?? 0,
    maxRssMb: mb(process.resourceUsage().maxRSS * 1024),
    heapPeakMb: mb(heapPeak),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function spawnChild(args: string[], dbUrl: string): string {
  const out = spawnSync(
    process.execPath,
    [
      ...(MAX_OLD_SPACE_MB ? [`--max-old-space-size=${MAX_OLD_SPACE_MB}`] : []),
      "--import",
      "tsx",
      path.join(ROOT, "bench/reconcile.bench.ts"),
      ...args,
    ],
    { cwd: ROOT, env: { ...process.env, ...TEST_ENV, DATABASE_URL: dbUrl }, encoding: "utf8", maxBuffer: 10 * 2 ** 20 },
  );
  if (out.status !== 0) throw new Error(`child failed: ${out.stderr}`);
  return out.stdout.trim().split("\n").pop()!;
}

async function main() {
  const { syntheticStatement, statementCsvStream, statementXlsxStream } = await import("../emulator/statement");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mpesa-bench-statements-"));
  const results: ({ size: number; format: string; fileMb: number } & ChildResult)[] = [];
  const runs: ({ size: number } & RunChildResult)[] = [];
  try {
    for (const size of SIZES) {
      const doc = syntheticStatement({ rows: size, shortCode: SHORTCODE, seed: size });
      for (const format of FORMATS) {
        const file = path.join(dir, `statement-${size}.${format}`);
        await pipeline(
          format === "csv" ? statementCsvStream(doc) : statementXlsxStream(doc),
          fs.createWriteStream(file),
        );
        const db = await prepareDatabase(pgBase, "mpesa-bench-reconcile-");
        try {
          const out = spawnSync(
            process.execPath,
            [
              ...(MAX_OLD_SPACE_MB ? [`--max-old-space-size=${MAX_OLD_SPACE_MB}`] : []),
              "--import",
              "tsx",
              path.join(ROOT, "bench/reconcile.bench.ts"),
              "--child",
              file,
            ],
            {
              cwd: ROOT,
              env: { ...process.env, ...TEST_ENV, DATABASE_URL: db.url },
              encoding: "utf8",
              maxBuffer: 10 * 2 ** 20,
            },
          );
          if (out.status !== 0) throw new Error(`child failed: ${out.stderr}`);
          const r = JSON.parse(out.stdout.trim().split("\n").pop()!) as ChildResult;
          results.push({ size, format, fileMb: Math.round((fs.statSync(file).size / 2 ** 20) * 10) / 10, ...r });
          console.error(`${format} ${size}: ${r.importMs} ms, max RSS ${r.maxRssMb} MB`);
          if (format === "csv" && RUN_RECONCILIATION_BENCH) {
            const seed = spawnChild(["--seed-child"], db.url);
            const rr = JSON.parse(spawnChild(["--run-child", seed], db.url)) as RunChildResult;
            runs.push({ size, ...rr });
            console.error(`run ${size}: ${rr.runMs} ms, max RSS ${rr.maxRssMb} MB, ${rr.items} mismatches`);
          }
        } finally {
          await db.drop();
        }
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }

  console.log(
    `\nStatement import (${pgBase ? "PostgreSQL" : "SQLite"}), ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)}` +
      (MAX_OLD_SPACE_MB ? `, child --max-old-space-size=${MAX_OLD_SPACE_MB}` : ""),
  );
  console.log(
    "format     rows  file MB  import ms  ms/1k rows  ×smallest  re-import ms  max RSS MB  (start)  heap peak MB  result",
  );
  for (const format of FORMATS) {
    const own = results.filter((r) => r.format === format);
    const base = own[0] ? own[0].importMs / own[0].size : 1;
    for (const r of own) {
      const perK = (r.importMs / r.size) * 1000;
      console.log(
        [
          format.padEnd(6),
          String(r.size).padStart(8),
          String(r.fileMb).padStart(8),
          String(r.importMs).padStart(10),
          perK.toFixed(1).padStart(11),
          (r.importMs / r.size / base).toFixed(2).padStart(10),
          String(r.reimportMs).padStart(13),
          String(r.maxRssMb).padStart(11),
          `(${r.baselineRssMb})`.padStart(8),
          String(r.heapPeakMb).padStart(13),
          ` ${r.status === "IMPORTED" && r.newRows === r.size && r.reimportKnown === r.size ? "ok" : r.status}`,
        ].join(" "),
      );
    }
  }
  if (runs.length) {
    console.log("\nReconciliation run (statement of N credits against N ledger rows: attempts + receipts)");
    console.log("ledger rows  seed ms  run ms  ms/1k rows  ×smallest  re-run ms  max RSS MB  heap peak MB  result");
    const base = runs[0].runMs / runs[0].ledgerRows;
    for (const r of runs)
      console.log(
        [
          String(r.ledgerRows).padStart(11),
          String(r.seedMs).padStart(8),
          String(r.runMs).padStart(7),
          ((r.runMs / r.ledgerRows) * 1000).toFixed(1).padStart(11),
          (r.runMs / r.ledgerRows / base).toFixed(2).padStart(10),
          String(r.rerunMs).padStart(10),
          String(r.maxRssMb).padStart(11),
          String(r.heapPeakMb).padStart(13),
          ` ${r.items === 0 && r.matched === r.ledgerRows ? "ok (0 mismatches)" : `${r.items} mismatches, ${r.matched} matched`}`,
        ].join(" "),
      );
  }
  const outDir = path.join(ROOT, "bench/results");
  fs.mkdirSync(outDir, { recursive: true });
  const out = path.join(outDir, `reconcile-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
  fs.writeFileSync(
    out,
    JSON.stringify(
      {
        database: pgBase ? "postgresql" : "sqlite",
        loadavg: os.loadavg(),
        maxOldSpaceMb: MAX_OLD_SPACE_MB ?? null,
        results,
        runs,
      },
      null,
      2,
    ),
  );
  console.log(`\n${out}`);
}

if (process.argv.includes("--child")) await child(process.argv[process.argv.indexOf("--child") + 1]);
else if (process.argv.includes("--seed-child")) process.stdout.write(`${JSON.stringify(await seedLedger())}\n`);
else if (process.argv.includes("--run-child")) await runChild(process.argv[process.argv.indexOf("--run-child") + 1]);
else await main();
