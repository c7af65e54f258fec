import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOrder, eventually, pay, shopifyPayments, startHarness, type Harness } from "./support/payments-harness";

// Operations through the built app: Prometheus metrics after a real payment, and graceful shutdown
// (SIGTERM while a job is talking to Shopify: the job finishes, the process exits 0).

const METRICS_TOKEN = "test-metrics-token-0123456789";
let h: Harness;
beforeAll(async () => {
  // Callbacks a little later than usual, so a test can slow the stand-in down before the jobs run.
  h = await startHarness({ appEnv: { METRICS_TOKEN }, emulator: { callbackDelayMs: 300 } });
});
afterAll(async () => {
  await h?.close();
});

const recorded = (orderGid: string) =>
  eventually(
    () => h.db.paymentAttempt.findFirst({ where: { orderGid, recordedInShopifyAt: { not: null } } }),
    "payment recorded in Shopify",
  );

async function scrape(authorization?: string) {
  const res = await fetch(`${h.app.url}/metrics`, { headers: authorization ? { Authorization: authorization } : {} });
  return { status: res.status, type: res.headers.get("content-type") ?? "", text: await res.text() };
}

/** The value of one sample line, e.g. metric('mpesa_jobs{status="due"}'). */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe("metrics", () => {
  it("/metrics needs the bearer token", async () => {
    expect((await scrape()).status).toBe(401);
    expect((await scrape("Bearer wrong-token-wrong-token")).status).toBe(401);
    expect((await scrape(`Basic ${METRICS_TOKEN}`)).status).toBe(401);
    const ok = await scrape(`Bearer ${METRICS_TOKEN}`);
    expect(ok.status).toBe(200);
    expect(ok.type).toContain("text/plain");
    expect(ok.text).toContain("process_cpu_seconds_total");
  });

  it("counts a payment's callback, Daraja and Admin calls, attempts by status and the job queue", async () => {
    const order = createOrder(h.standin);
    expect((await pay(h.app, order.id, "0712 345 678")).status).toBe(200);
    await recorded(order.id);
    const { text } = await scrape(`Bearer ${METRICS_TOKEN}`);
    expect(sample(text, 'mpesa_callbacks_total{kind="STK",outcome="accepted"}')).toBeGreaterThanOrEqual(1);
    expect(
      sample(text, 'mpesa_daraja_request_duration_seconds_count{operation="stk_push",outcome="2xx"}'),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(text, 'mpesa_daraja_request_duration_seconds_count{operation="oauth",outcome="2xx"}'),
    ).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'mpesa_shopify_admin_request_duration_seconds_count{outcome="ok"}')).toBeGreaterThanOrEqual(1);
    const succeeded = await h.db.paymentAttempt.count({ where: { status: "SUCCEEDED" } });
    expect(succeeded).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'mpesa_payment_attempts{status="SUCCEEDED"}')).toBe(succeeded);
    for (const status of ["due", "scheduled", "running", "dead"])
      expect(sample(text, `mpesa_jobs{status="${status}"}`)).toBeTypeOf("number");
    expect(sample(text, "mpesa_job_oldest_due_age_seconds")).toBeGreaterThanOrEqual(0);
    expect(text).toContain("# TYPE mpesa_throttle_wait_seconds histogram");
  });

  it("reports due jobs and the age of the oldest one", async () => {
    const runAt = new Date(Date.now() - 120_000);
    // A job type no worker handles stays due: exactly what a stuck queue looks like.
    await h.db.job.create({ data: { type: "not-a-registered-type", payload: "{}", runAt } });
    const { text } = await scrape(`Bearer ${METRICS_TOKEN}`);
    expect(sample(text, 'mpesa_jobs{status="due"}')).toBeGreaterThanOrEqual(1);
    expect(sample(text, "mpesa_job_oldest_due_age_seconds")).toBeGreaterThanOrEqual(120);
    await h.db.job.deleteMany({ where: { type: "not-a-registered-type" } });
  });
});

describe("graceful shutdown", () => {
  async function payWithSlowShopify(latencyMs: number) {
    const order = createOrder(h.standin);
    expect((await pay(h.app, order.id, "0712 345 678")).status).toBe(200);
    h.standin.setLatency(latencyMs);
    // The record job has sent its write (the stand-in applied it) and waits for the slow answer.
    const job = await eventually(async () => {
      const running = await h.db.job.findFirst({ where: { type: "record-payment-in-shopify", status: "RUNNING" } });
      return running && shopifyPayments(h.standin, order.id).mutations === 1 ? running : null;
    }, "record job running with its Admin write in flight");
    return { order, job };
  }

  it("SIGTERM while a job runs: the job finishes, the process exits 0", async () => {
    try {
      const { order, job } = await payWithSlowShopify(2000);
      await h.app.stop();
      expect(await h.app.exited).toEqual({ code: 0, signal: null });
      expect(h.app.output()).toContain('"msg":"stopped"');
      expect(await h.db.job.findUniqueOrThrow({ where: { id: job.id } })).toMatchObject({ status: "DONE" });
      expect(
        (await h.db.paymentAttempt.findFirstOrThrow({ where: { orderGid: order.id } })).recordedInShopifyAt,
      ).not.toBeNull();
    } finally {
      h.standin.setLatency(0);
      await h.restart({ METRICS_TOKEN });
    }
  });

  it("a job that outlives SHUTDOWN_TIMEOUT_MS: exit 1, the job stays claimed and runs again after its lock", async () => {
    await h.app.stop();
    await h.restart({ METRICS_TOKEN, SHUTDOWN_TIMEOUT_MS: "300" });
    try {
      const { order, job } = await payWithSlowShopify(5000);
      await h.app.stop();
      expect((await h.app.exited).code).toBe(1);
      expect(h.app.output()).toContain("shutdown timed out");
      expect(await h.db.job.findUniqueOrThrow({ where: { id: job.id } })).toMatchObject({ status: "RUNNING" });
      // The next instance re-runs it once the lock lapses; the write is idempotent on the receipt.
      h.standin.setLatency(0);
      // Time passes: the job's lock and the dead run's per-receipt Shopify claim (M7) both lapse.
      await h.db.job.update({ where: { id: job.id }, data: { lockedUntil: new Date(Date.now() - 1000) } });
      await h.db.mpesaReceipt.updateMany({ data: { shopifyClaimUntil: new Date(Date.now() - 1000) } });
      await h.restart({ METRICS_TOKEN });
      await eventually(
        async () => (await h.db.job.findUniqueOrThrow({ where: { id: job.id } })).status === "DONE",
        "job re-run",
      );
      expect(shopifyPayments(h.standin, order.id)).toEqual({ mutations: 1, sales: 1 });
    } finally {
      h.standin.setLatency(0);
    }
  });
});
