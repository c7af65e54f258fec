// npm run bench:callbacks [-- --pg postgresql://postgres@127.0.0.1:5432/postgres]
//
// How fast the app acknowledges Daraja STK callbacks (store the raw row — itself the work item — then
// 200) compared with a bare route of the same server in the same run (/healthz), at 10 and at 50
// connections (BENCH_CONNECTIONS=10,50): the ratio is the figure that
// travels between machines. Also: the time from a success callback to the order recorded as paid in
// the Shopify stand-in (callback -> job -> STK settle -> record job -> Admin API).
// Everything on 127.0.0.1, bounded in time. SQLite by default; --pg runs the same on PostgreSQL
// (it regenerates the Prisma client for PostgreSQL and back to SQLite at the end).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  ROOT,
  TEST_ENV,
  loadRun,
  pgBaseFromArgv,
  prepareDatabase as prepareBenchDatabase,
  quantile,
  sh,
  type AutocannonOptions,
  type AutocannonResult,
} from "./support";

const CONNECTION_COUNTS = (process.env.BENCH_CONNECTIONS ?? "10,50").split(",").map(Number);
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 5);
const E2E_PAYMENTS = Number(process.env.BENCH_E2E_PAYMENTS ?? 15);
const pgBase = pgBaseFromArgv();

const prepareDatabase = () => prepareBenchDatabase(pgBase);
const run = (url: string, opts: Partial<AutocannonOptions> = {}): Promise<AutocannonResult> =>
  loadRun(url, DURATION_S, opts);

async function main() {
  if (!fs.existsSync(path.join(ROOT, "build", "server", "index.js")))
    sh("npx", ["remix", "vite:build"], { NODE_ENV: "production" });
  const db = await prepareDatabase();
  Object.assign(process.env, TEST_ENV, { DATABASE_URL: db.url });
  const h = await import("../test/support/payments-harness");
  const harness = await h.startHarness({
    appEnv: {
      ...TEST_ENV,
      ...(process.env.BENCH_APP_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_APP_NODE_OPTIONS } : {}),
      JOB_POLL_MS: "20",
      JOB_WORKER: process.env.BENCH_WORKER ?? "true",
    },
    emulator: { callbackDelayMs: 5 },
  });
  try {
    // A pending attempt whose callback URL we replay: every POST is stored, acknowledged and queued.
    const order = h.createOrder(harness.standin);
    harness.emulator.setNextOutcome({ api: "stk", outcome: "no_callback" } as never);
    const paid = await h.pay(harness.app, order.id, "0712 345 699");
    const attempt = await harness.db.paymentAttempt.findUniqueOrThrow({ where: { id: paid.body.attempt.id } });
    const body = JSON.stringify(h.stkCallbackBody(attempt.checkoutRequestId!, { receipt: "BENCH00001" }));
    const callbackUrl = h.lastCallbackUrl(harness.emulator);

    await run(`${harness.app.url}/healthz`, { duration: 1 }); // warm-up
    const rows: {
      connections: number;
      route: string;
      rps: number;
      p50: number;
      p99: number;
      non2xx: number;
      errors: number;
    }[] = [];
    const ratios: Record<string, number> = {};
    const remixRatios: Record<string, number> = {};
    const row = (connections: number, route: string, r: AutocannonResult) =>
      rows.push({
        connections,
        route,
        rps: r.requests.average,
        p50: r.latency.p50,
        p99: r.latency.p99,
        non2xx: r.non2xx,
        errors: r.errors,
      });
    for (const connections of CONNECTION_COUNTS) {
      const bare = await run(`${harness.app.url}/healthz`, { connections });
      const remix = await run(`${harness.app.url}/`, { connections });
      const callbacks = await run(callbackUrl, {
        connections,
        method: "POST",
        body,
        headers: { "content-type": "application/json" },
      });
      row(connections, "GET /healthz (bare express)", bare);
      row(connections, "GET / (bare Remix route)", remix);
      row(connections, "POST /daraja/stk/:token", callbacks);
      ratios[String(connections)] = callbacks.requests.average / bare.requests.average;
      remixRatios[String(connections)] = callbacks.requests.average / remix.requests.average;
    }
    const backlog = async () =>
      (await harness.db.job.count({ where: { status: { in: ["QUEUED", "RUNNING"] } } })) +
      (await harness.db.callbackLog.count({ where: { status: "RECEIVED" } }));

    // Callback -> order paid in the stand-in, one payment at a time (no queue backlog in the figure).
    // The worker applies every stored copy first (each is a duplicate: claimed, checked, settled as a
    // no-op). How fast it drains them is a figure of its own.
    let drain: { rows: number; seconds: number } | null = null;
    if (E2E_PAYMENTS > 0) {
      const rowsBefore = await backlog();
      const t0 = performance.now();
      await h.eventually(async () => (await backlog()) === 0, "backlog drained", 900_000);
      drain = { rows: rowsBefore, seconds: (performance.now() - t0) / 1000 };
    }
    const e2e: number[] = [];
    for (let i = 0; i < E2E_PAYMENTS; i++) {
      const o = h.createOrder(harness.standin);
      harness.emulator.setNextOutcome({ api: "stk", outcome: "no_callback" } as never);
      const r = await h.pay(harness.app, o.id, `0712 34${String(5000 + i).slice(-4)}`);
      const a = await harness.db.paymentAttempt.findUniqueOrThrow({ where: { id: r.body.attempt.id } });
      const started = performance.now();
      await h.postCallback(
        h.lastCallbackUrl(harness.emulator),
        h.stkCallbackBody(a.checkoutRequestId!, { receipt: `BENCH1${String(i).padStart(4, "0")}` }),
      );
      await h.eventually(() => harness.standin.getOrder(o.id)?.displayFinancialStatus === "PAID", "order paid", 30_000);
      e2e.push(performance.now() - started);
    }

    const result = {
      database: pgBase ? "postgresql" : "sqlite",
      connections: CONNECTION_COUNTS,
      durationSeconds: DURATION_S,
      cpus: os.cpus().length,
      rows,
      callbackToBareThroughputRatio: ratios,
      callbackToBareRemixThroughputRatio: remixRatios,
      workerDrain: drain,
      callbackStored: await harness.db.callbackLog.count({ where: { attemptId: attempt.id } }),
      callbackToPaidMs: e2e.length
        ? { n: e2e.length, p50: quantile(e2e, 0.5), p90: quantile(e2e, 0.9), max: Math.max(...e2e) }
        : null,
    };
    console.log(`\nCallback acknowledgement (${result.database}, ${DURATION_S} s per row, ${os.cpus().length} CPUs)`);
    console.table(rows.map((r) => ({ ...r, rps: Math.round(r.rps) })));
    for (const [c, ratio] of Object.entries(ratios))
      console.log(
        `callback/bare throughput ratio at ${c} connections: ${ratio.toFixed(3)} against bare express, ` +
          `${remixRatios[c].toFixed(3)} against a bare Remix route`,
      );
    console.log(`callbacks stored: ${result.callbackStored}`);
    if (drain)
      console.log(
        `worker applied the ${drain.rows} stored copies in ${drain.seconds.toFixed(1)} s ` +
          `(${(drain.rows / drain.seconds).toFixed(0)}/s)`,
      );
    if (e2e.length)
      console.log(
        `success callback -> order paid in stand-in (n=${e2e.length}): p50 ${result.callbackToPaidMs!.p50.toFixed(0)} ms, ` +
          `p90 ${result.callbackToPaidMs!.p90.toFixed(0)} ms, max ${result.callbackToPaidMs!.max.toFixed(0)} ms`,
      );
    const out = path.join(
      ROOT,
      "bench",
      "results",
      `callbacks-${result.database}-${new Date().toISOString().replace(/[:.]/g, "-")}.json`,
    );
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, JSON.stringify(result, null, 2));
    console.log(`JSON: ${path.relative(ROOT, out)}`);
  } finally {
    await harness.close();
    await db.drop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
