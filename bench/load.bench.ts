// npm run bench:load [-- --payments 20000 --shops 200 --instances 1,3 --concurrency 48 --pg URL]
//
// The whole system under load on loopback, bounded in count and time: for each instance count (same
// run, one after the other, each on a fresh database), a cluster (scripts/cluster: PostgreSQL, the
// Daraja emulator, the Shopify Admin stand-in with per-shop buckets by plan, N built instances behind
// Debian's nginx) takes `payments` Pays over `shops` shops; 5 % of the payments get no callback
// (recovered by STK query, paid with the receipt pending), 2 % of the callbacks arrive malformed, 20 % a second time at a different
// instance, and one instance is SIGKILLed at 40 % of the Pays and restarted; once drained, Pull
// Transactions runs for every shop (pending receipts attached, crash-orphaned money matched). Reports callbacks
// acknowledged/s, callback -> recorded in Shopify p50/p99 per plan class, Admin points used as a share
// of the shops' budget, jobs dead, payments lost and recorded twice (targets 0), and each figure for
// every instance count. Env: BENCH_LOAD_PAYMENTS, BENCH_LOAD_SHOPS, BENCH_LOAD_INSTANCES,
// BENCH_LOAD_CONCURRENCY (flags win).
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import type { LoadResult } from "./load/run";
import { DEFAULT_PG_URL } from "../scripts/cluster/postgres";

// This process uses app modules itself (it enqueues the Pull jobs into the cluster's database), and
// those read the app's configuration when loaded: give it one of its own before they load. The
// instances get theirs from the cluster.
for (const [k, v] of Object.entries({
  SHOPIFY_API_KEY: "bench-load",
  SHOPIFY_API_SECRET: randomBytes(32).toString("hex"),
  SHOPIFY_APP_URL: "http://127.0.0.1",
  ENCRYPTION_KEY: randomBytes(32).toString("base64"),
  LOG_LEVEL: "error",
}))
  process.env[k] ??= v;
const { runLoad } = await import("./load/run");

const { values: args } = parseArgs({
  options: {
    payments: { type: "string", default: process.env.BENCH_LOAD_PAYMENTS ?? "2000" },
    shops: { type: "string", default: process.env.BENCH_LOAD_SHOPS ?? "200" },
    instances: { type: "string", default: process.env.BENCH_LOAD_INSTANCES ?? "1,3" },
    concurrency: { type: "string", default: process.env.BENCH_LOAD_CONCURRENCY ?? "48" },
    pg: { type: "string", default: DEFAULT_PG_URL },
  },
});
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const TIME_CAP_MS = 40 * 60_000;

function table(results: LoadResult[]) {
  const col = (r: LoadResult) => `${r.instances} instance${r.instances > 1 ? "s" : ""}`;
  const ms = (v: number | null) => (v === null ? "-" : `${Math.round(v)} ms`);
  const rows: Record<string, Record<string, string | number>> = {};
  const put = (label: string, f: (r: LoadResult) => string | number) => {
    rows[label] = Object.fromEntries(results.map((r) => [col(r), f(r)]));
  };
  put(
    "Pays accepted",
    (r) =>
      `${r.paysAccepted}/${r.payments} in ${r.paySeconds.toFixed(0)} s (${r.payRetries} retries, ${r.paysAnsweredLate} found paid)`,
  );
  put("Pays/s", (r) => (r.paysAccepted / Math.max(1, r.paySeconds)).toFixed(1));
  put("callbacks acknowledged/s", (r) => r.callbacksAckPerSecond.toFixed(1));
  put(
    "callbacks: sent / dup / malformed",
    (r) => `${r.relay.received} / ${r.relay.duplicatesSent} / ${r.relay.malformedSent}`,
  );
  put("callbacks unanswered (kill)", (r) => r.relay.failed);
  for (const cls of results[0].classes.map((c) => c.planClass)) {
    const f = (r: LoadResult) => r.classes.find((c) => c.planClass === cls)!;
    put(`callback->paid p50/p99 ${cls} (${f(results[0]).shops} shops)`, (r) => `${ms(f(r).p50Ms)} / ${ms(f(r).p99Ms)}`);
    put(
      `Admin points/budget ${cls}`,
      (r) =>
        `${((100 * f(r).pointsCharged) / Math.max(1, f(r).pointsBudget)).toFixed(1)} % (${f(r).throttled} THROTTLED)`,
    );
  }
  put("money moved", (r) => r.moneyMoved);
  put(
    "before the pull: recorded / receipt pending",
    (r) => `${r.beforePull.recordedInShopify} / ${r.beforePull.receiptPending}`,
  );
  put("before the pull: crash + no callback", (r) => r.beforePull.orphanedByCrash);
  put("Pull Transactions: runs / rows / receipts attached / new money matched", (r) =>
    r.pull
      ? `${r.pull.runsDone}${r.pull.runsFailed ? ` (+${r.pull.runsFailed} failed)` : ""} / ${r.pull.rows} / ${r.pull.receiptsAttached} / ${r.pull.newMoneyMatched} in ${r.pull.seconds.toFixed(0)} s`
      : "not run",
  );
  put("recorded in Shopify (of them, found by the pull)", (r) => `${r.recordedInShopify} (${r.recordedByLedger})`);
  put("receipt still pending", (r) => r.receiptPending);
  put("to review", (r) => r.toReview);
  put("jobs dead (target 0)", (r) => r.jobsDead + r.callbacksDead);
  put("payments lost (0)", (r) => r.lost);
  put("crash + no callback, after the pull (0)", (r) => r.orphanedByCrash);
  put("recorded twice (0)", (r) => r.recordedTwice);
  put("drained / total time", (r) => `${r.drained ? "yes" : "NO"} / ${r.seconds.toFixed(0)} s`);
  console.table(rows);
}

async function main() {
  const instanceCounts = args.instances.split(",").map(Number);
  const results: LoadResult[] = [];
  const cap = setTimeout(() => {
    console.error(`bench:load: time cap (${TIME_CAP_MS / 60_000} min) reached`);
    process.exit(1);
  }, TIME_CAP_MS);
  cap.unref();
  for (const instances of instanceCounts) {
    console.log(`\n=== ${instances} instance(s): ${args.payments} payments over ${args.shops} shops`);
    results.push(
      await runLoad({
        root: ROOT,
        instances,
        shops: Number(args.shops),
        payments: Number(args.payments),
        concurrency: Number(args.concurrency),
        pgUrl: args.pg,
        keepDatabase: !!process.env.BENCH_LOAD_KEEP_DB,
        log: (m) => console.log(`[load] ${m}`),
      }),
    );
  }
  console.log(`\nLoad: ${args.payments} payments, ${args.shops} shops, ${os.cpus().length} CPUs, loopback`);
  table(results);
  const out = path.join(ROOT, "bench", "results", `load-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(results, null, 2));
  console.log(`JSON: ${path.relative(ROOT, out)}`);
  for (const r of results) {
    console.log(`${r.instances} instance(s): attempts ${JSON.stringify(r.attemptStatuses)}`);
    if (r.payFailures.length) console.log(`Pays without an attempt: ${JSON.stringify(r.payFailures)}`);
    if (r.lostDetails.length) console.log(`lost: ${JSON.stringify(r.lostDetails, null, 1)}`);
    if (process.env.BENCH_LOAD_KEEP_DB) console.log(`database kept: ${r.databaseUrl}`);
  }
  const bad = results.some(
    (r) => r.lost || r.orphanedByCrash || r.recordedTwice || r.jobsDead || r.callbacksDead || !r.drained,
  );
  process.exitCode = bad ? 1 : 0;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
