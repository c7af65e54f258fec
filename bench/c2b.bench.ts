// npm run bench:c2b [-- --pg postgresql://postgres@127.0.0.1:5432/postgres]
//
// Paybill/till (C2B) inbound events, one run: how fast the app acknowledges C2B confirmations (store
// the raw row — the work item — then 200) and answers validation requests (from its own tables),
// beside a bare route of the same server (/healthz) at 10 and 50 connections (BENCH_CONNECTIONS): the
// ratios travel between machines. Then, under a steady load (BENCH_C2B_PAYMENTS confirmations, one
// every BENCH_C2B_INTERVAL_MS, each for its own order, while validation requests run beside them): the
// time from a confirmation to its order PAID in the Shopify stand-in (p50/p99; also measured one at a
// time with nothing else running, as the baseline), and validation p99 beside that load.
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
const IDLE_PAYMENTS = Number(process.env.BENCH_C2B_IDLE_PAYMENTS ?? 10);
const STEADY_PAYMENTS = Number(process.env.BENCH_C2B_PAYMENTS ?? 40);
const STEADY_INTERVAL_MS = Number(process.env.BENCH_C2B_INTERVAL_MS ?? 500);
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
  const c2b = await import("../test/support/c2b");
  const harness = await h.startHarness({
    appEnv: { ...TEST_ENV, JOB_POLL_MS: "20", JOB_WORKER: process.env.BENCH_WORKER ?? "true" },
    emulator: { callbackDelayMs: 5 },
  });
  try {
    const urls = await c2b.registerC2b(harness.db, harness.app.url, h.SHOP, { validation: true });
    const known = h.createOrder(harness.standin, { total: "1500.00" });
    await c2b.announceOrder(harness, known);
    const reference = `INV${known.name.replace(/\D/g, "")}`;
    // The same confirmation replayed: every POST is stored and acknowledged (the worker sees duplicates).
    const confirmation = JSON.stringify(c2b.c2bBody({ TransAmount: "1", BillRefNumber: "BENCHNOORDER" }));
    const validation = JSON.stringify(c2b.c2bBody({ TransAmount: "1500", BillRefNumber: reference }));
    const post = (body: string) => ({ method: "POST", body, headers: { "content-type": "application/json" } });

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
    const ratios: Record<string, { confirmation: number; validation: number }> = {};
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
      const confirmations = await run(urls.confirmation, { connections, ...post(confirmation) });
      const validations = await run(urls.validation, { connections, ...post(validation) });
      row(connections, "GET /healthz (bare)", bare);
      row(connections, "POST /daraja/c2b/:token/confirmation", confirmations);
      row(connections, "POST /daraja/c2b/:token/validation", validations);
      ratios[String(connections)] = {
        confirmation: confirmations.requests.average / bare.requests.average,
        validation: validations.requests.average / bare.requests.average,
      };
    }
    const backlog = async () =>
      (await harness.db.job.count({ where: { status: { in: ["QUEUED", "RUNNING"] } } })) +
      (await harness.db.callbackLog.count({ where: { status: "RECEIVED" } }));
    await h.eventually(async () => (await backlog()) === 0, "backlog drained", 600_000);

    // Baseline: confirmation -> order paid one at a time, nothing else running.
    const idle: number[] = [];
    for (let i = 0; i < IDLE_PAYMENTS; i++) {
      const o = h.createOrder(harness.standin, { total: "700.00" });
      await c2b.announceOrder(harness, o);
      const started = performance.now();
      const body = c2b.c2bBody({ TransAmount: "700", BillRefNumber: `INV${o.name.replace(/\D/g, "")}` });
      await h.postCallback(urls.confirmation, body);
      await h.eventually(() => harness.standin.getOrder(o.id)?.displayFinancialStatus === "PAID", "order paid", 60_000);
      idle.push(performance.now() - started);
    }

    // Steady load: one confirmation every STEADY_INTERVAL_MS, each for its own order (typed messily),
    // while validation requests run beside them; confirmation -> order PAID in the stand-in per payment.
    const orders = [];
    for (let i = 0; i < STEADY_PAYMENTS; i++) {
      const o = h.createOrder(harness.standin, { total: "700.00" });
      await c2b.announceOrder(harness, o);
      orders.push(o);
    }
    const validating = run(urls.validation, {
      connections: 5,
      duration: Math.ceil((STEADY_PAYMENTS * STEADY_INTERVAL_MS) / 1000) + 1,
      ...post(validation),
    });
    const e2e: number[] = [];
    await Promise.all(
      orders.map(async (o, i) => {
        await new Promise((r) => setTimeout(r, i * STEADY_INTERVAL_MS));
        const started = performance.now();
        const body = c2b.c2bBody({ TransAmount: "700", BillRefNumber: ` inv ${o.name.replace(/\D/g, "")}` });
        const res = await h.postCallback(urls.confirmation, body);
        if (res.status !== 200) throw new Error(`confirmation answered ${res.status}`);
        await h.eventually(
          () => harness.standin.getOrder(o.id)?.displayFinancialStatus === "PAID",
          "order paid",
          60_000,
        );
        e2e.push(performance.now() - started);
      }),
    );
    const underLoad = await validating;

    const result = {
      database: pgBase ? "postgresql" : "sqlite",
      connections: CONNECTION_COUNTS,
      durationSeconds: DURATION_S,
      cpus: os.cpus().length,
      rows,
      throughputRatioToBare: ratios,
      confirmationToPaidIdleMs: { n: idle.length, p50: quantile(idle, 0.5), p99: quantile(idle, 0.99) },
      confirmationToPaidMs: {
        n: e2e.length,
        intervalMs: STEADY_INTERVAL_MS,
        p50: quantile(e2e, 0.5),
        p99: quantile(e2e, 0.99),
        max: Math.max(...e2e),
      },
      validationUnderSteadyLoad: {
        rps: underLoad.requests.average,
        p50: underLoad.latency.p50,
        p99: underLoad.latency.p99,
        non2xx: underLoad.non2xx,
      },
    };
    console.log(`\nC2B acknowledgement (${result.database}, ${DURATION_S} s per row, ${os.cpus().length} CPUs)`);
    console.table(rows.map((r) => ({ ...r, rps: Math.round(r.rps) })));
    for (const [c, r] of Object.entries(ratios))
      console.log(
        `at ${c} connections: confirmation/bare ${r.confirmation.toFixed(3)}, validation/bare ${r.validation.toFixed(3)}`,
      );
    console.log(
      `confirmation -> order paid, one at a time (n=${idle.length}): p50 ${quantile(idle, 0.5).toFixed(0)} ms, p99 ${quantile(idle, 0.99).toFixed(0)} ms`,
    );
    const p = result.confirmationToPaidMs;
    console.log(
      `confirmation -> order paid (n=${p.n}, one every ${STEADY_INTERVAL_MS} ms): p50 ${p.p50.toFixed(0)} ms, p99 ${p.p99.toFixed(0)} ms, max ${p.max.toFixed(0)} ms`,
    );
    console.log(
      `validation answered beside that load: p50 ${underLoad.latency.p50} ms, p99 ${underLoad.latency.p99} ms (${Math.round(underLoad.requests.average)}/s, non-2xx ${underLoad.non2xx})`,
    );
    const out = path.join(
      ROOT,
      "bench",
      "results",
      `c2b-${result.database}-${new Date().toISOString().replace(/[:.]/g, "-")}.json`,
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
