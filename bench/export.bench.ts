// npm run bench:export [-- --pg postgresql://postgres@127.0.0.1:5432/postgres]
//
// The Payments CSV export (GET /app/payments/export) at 1,000 / 10,000 / 100,000 payments
// (BENCH_SIZES): a fresh migrated database is seeded with that many M-PESA prompts (plus 1 % paybill
// payments), then the export stream of the route's module is read to the end in a child process of its
// own, so its memory high-water (getrusage maxRSS, and the V8 heap sampled every 5 ms) is the export's.
// Also timed there: the list page's query (first page and totals) over the same rows.
// The export reads EXPORT_CHUNK rows at a time: its live memory does not grow with the row count
// (BENCH_MAX_OLD_SPACE_MB=64 caps the V8 old space: the 100,000-row export still completes).
import { spawnSync } from "node:child_process";
import path from "node:path";
import { ROOT, TEST_ENV, pgBaseFromArgv, prepareDatabase } from "./support";

const SIZES = (process.env.BENCH_SIZES ?? "1000,10000,100000").split(",").map(Number);
const pgBase = pgBaseFromArgv();
const SHOP = "bench-shop.myshopify.com";
const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

type ChildResult = {
  lines: number;
  bytesMb: number;
  exportMs: number;
  listMs: number;
  maxRssMb: number;
  heapPeakMb: number;
  heapBaseMb: number;
};

async function seed(url: string, size: number) {
  process.env.DATABASE_URL = url;
  const { createPrismaClient } = await import("../app/db.server");
  const db = createPrismaClient(url);
  const base = Date.UTC(2026, 10, 1);
  const c2b = Math.floor(size / 100);
  const stk = size - c2b;
  for (let from = 0; from < stk; from += 5000) {
    const n = Math.min(5000, stk - from);
    await db.paymentAttempt.createMany({
      data: Array.from({ length: n }, (_, j) => {
        const i = from + j;
        const paid = i % 4 !== 0;
        return {
          shopDomain: SHOP,
          orderGid: `gid://shopify/Order/${100000 + Math.floor(i / 2)}`,
          orderName: `#${100000 + Math.floor(i / 2)}`,
          amountKes: 100 + (i % 5000),
          msisdn: `2547${String(10_000_000 + (i % 9_000_000))}`,
          environment: "production",
          callbackTokenHash: `bench-${size}-${i}`,
          status: paid ? "SUCCEEDED" : "CANCELLED",
          resultCode: paid ? "0" : "1032",
          mpesaReceipt: paid ? `B${size}X${i}` : null,
          createdAt: new Date(base + i * 20_000),
        };
      }),
    });
  }
  await db.c2bPayment.createMany({
    data: Array.from({ length: c2b }, (_, i) => ({
      receipt: `C${size}X${i}`,
      shopDomain: SHOP,
      shortCode: "600123",
      transactionType: i % 2 ? "Buy Goods" : "Pay Bill",
      amountText: "250.00",
      amountKes: 250,
      billRefRaw: `REF${i}`,
      billRefKey: `REF${i}`,
      transTime: new Date(base + i * 600_000),
      status: "UNMATCHED",
      reason: "UNKNOWN_REFERENCE",
    })),
  });
  await db.$disconnect();
}

async function child() {
  const { createPrismaClient } = await import("../app/db.server");
  const { exportPaymentsCsv } = await import("../app/modules/payments/dashboard/export.server");
  const { listPayments } = await import("../app/modules/payments/dashboard/list.server");
  const { parsePaymentFilters } = await import("../app/modules/payments/dashboard/filters");
  const db = createPrismaClient(process.env.DATABASE_URL);
  const filters = parsePaymentFilters(new URLSearchParams());
  await db.paymentAttempt.count(); // connect before the baseline
  const t0 = performance.now();
  await listPayments(db, SHOP, filters);
  const listMs = Math.round(performance.now() - t0);
  global.gc?.();
  const heapBase = process.memoryUsage().heapUsed;
  let heapPeak = heapBase;
  const sampler = setInterval(() => (heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed)), 5);
  const t1 = performance.now();
  const reader = exportPaymentsCsv(db, SHOP, filters).getReader();
  const decoder = new TextDecoder();
  let lines = 0;
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
    for (const ch of decoder.decode(value, { stream: true })) if (ch === "\n") lines++;
  }
  const exportMs = Math.round(performance.now() - t1);
  clearInterval(sampler);
  await db.$disconnect();
  const result: ChildResult = {
    lines: lines - 1, // the header
    bytesMb: mb(bytes),
    exportMs,
    listMs,
    maxRssMb: mb(process.resourceUsage().maxRSS * 1024),
    heapPeakMb: mb(heapPeak),
    heapBaseMb: mb(heapBase),
  };
  console.log(JSON.stringify(result));
}

async function main() {
  const results: (ChildResult & { size: number })[] = [];
  for (const size of SIZES) {
    const db = await prepareDatabase(pgBase, "mpesa-bench-export-");
    try {
      await seed(db.url, size);
      const out = spawnSync(
        process.execPath,
        [
          "--expose-gc",
          ...(process.env.BENCH_MAX_OLD_SPACE_MB ? [`--max-old-space-size=${process.env.BENCH_MAX_OLD_SPACE_MB}`] : []),
          "--import",
          "tsx",
          path.join(ROOT, "bench/export.bench.ts"),
          "--child",
        ],
        {
          cwd: ROOT,
          env: { ...process.env, ...TEST_ENV, DATABASE_URL: db.url } as NodeJS.ProcessEnv,
          encoding: "utf8",
          maxBuffer: 2 ** 20,
        },
      );
      if (out.status !== 0) throw new Error(`child failed: ${out.stderr}`);
      const r = JSON.parse(out.stdout.trim().split("\n").pop()!) as ChildResult;
      if (r.lines !== size) throw new Error(`export wrote ${r.lines} lines for ${size} payments`);
      results.push({ size, ...r });
      console.error(
        `${size}: export ${r.exportMs} ms, ${r.bytesMb} MB; heap peak ${r.heapPeakMb} MB (base ${r.heapBaseMb}); max RSS ${r.maxRssMb} MB; list ${r.listMs} ms`,
      );
    } finally {
      await db.drop();
    }
  }
  console.table(results);
}

if (process.argv.includes("--child")) await child();
else {
  Object.assign(process.env, TEST_ENV);
  await main();
}
