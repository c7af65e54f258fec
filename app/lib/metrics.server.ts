import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { Db } from "./prisma.server";

// Prometheus metrics (prom-client), served at /metrics (app/routes/metrics.tsx, bearer METRICS_TOKEN).
// Instrumented code calls the helpers below in one line; nothing else touches prom-client.
// Counters and histograms are per process; the database gauges (attempts, job queue) are read from
// the shared database at scrape time, so every instance reports the same value: aggregate with max().

interface Metrics {
  registry: Registry;
  callbacks: Counter<"kind" | "outcome">;
  darajaSeconds: Histogram<"operation" | "outcome">;
  adminSeconds: Histogram<"outcome">;
  throttleWaitSeconds: Histogram<"api">;
  attempts: Gauge<"status">;
  jobs: Gauge<"status">;
  oldestDueJobSeconds: Gauge;
}

const LATENCY_BUCKETS = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    callbacks: new Counter({
      name: "mpesa_callbacks_total",
      help: "Daraja callbacks received, by kind and how they were answered",
      labelNames: ["kind", "outcome"],
      registers,
    }),
    darajaSeconds: new Histogram({
      name: "mpesa_daraja_request_duration_seconds",
      help: "Daraja HTTP requests by operation and outcome (2xx, 4xx, 5xx, timeout, network)",
      labelNames: ["operation", "outcome"],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    adminSeconds: new Histogram({
      name: "mpesa_shopify_admin_request_duration_seconds",
      help: "Shopify Admin GraphQL requests by outcome (ok, throttled, retryable, final)",
      labelNames: ["outcome"],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    throttleWaitSeconds: new Histogram({
      name: "mpesa_throttle_wait_seconds",
      help: "Waits imposed by an API's throttle (Shopify's cost bucket) before a request may go again",
      labelNames: ["api"],
      buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60],
      registers,
    }),
    attempts: new Gauge({
      name: "mpesa_payment_attempts",
      help: "Payment attempts in the database by status",
      labelNames: ["status"],
      registers,
    }),
    jobs: new Gauge({
      name: "mpesa_jobs",
      help: "Jobs in the queue: due (QUEUED, runAt passed), scheduled (QUEUED, later), running, dead",
      labelNames: ["status"],
      registers,
    }),
    oldestDueJobSeconds: new Gauge({
      name: "mpesa_job_oldest_due_age_seconds",
      help: "How long the oldest due job has been waiting for a worker (0 when none is due)",
      registers,
    }),
  };
}

declare global {
  var __metrics: Metrics | undefined;
}
// One registry per process (on global: Vite's dev reloads would otherwise register twice).
const metrics: Metrics = (globalThis.__metrics ??= createMetrics());

/** A callback was answered: kind "STK", …; outcome "accepted", "rejected", … */
export function countCallback(kind: string, outcome: string) {
  metrics.callbacks.inc({ kind, outcome });
}

/** Outcome of an answer by HTTP status, for callers that only know the status. */
export function outcomeOfStatus(status: number) {
  return status < 300 ? "accepted" : status === 413 ? "too_large" : status === 403 ? "forbidden" : "rejected";
}

export function observeThrottleWait(api: "shopify", ms: number) {
  metrics.throttleWaitSeconds.observe({ api }, ms / 1000);
}

export type AdminOutcome = "ok" | "throttled" | "retryable" | "final";

/** Runs one Admin request, timing it by outcome (`outcomeOf` names the outcome of a failure). */
export async function timeAdminRequest<T>(
  work: () => Promise<T>,
  outcomeOf: (error: unknown) => AdminOutcome,
): Promise<T> {
  const end = metrics.adminSeconds.startTimer();
  try {
    const result = await work();
    end({ outcome: "ok" });
    return result;
  } catch (error) {
    end({ outcome: outcomeOf(error) });
    throw error;
  }
}

// Daraja paths are fixed per operation (no ids in them), but only known ones become label values.
const DARAJA_OPERATIONS: Record<string, string> = {
  "/oauth/v1/generate": "oauth",
  "/mpesa/stkpush/v1/processrequest": "stk_push",
  "/mpesa/stkpushquery/v1/query": "stk_query",
};

/** `fetch` for the Daraja client, timing every exchange by operation and outcome. */
export function timedDarajaFetch(inner: typeof fetch = globalThis.fetch): typeof fetch {
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const end = metrics.darajaSeconds.startTimer({ operation: DARAJA_OPERATIONS[url.pathname] ?? "other" });
    try {
      const response = await inner(input, init);
      end({ outcome: `${Math.floor(response.status / 100)}xx` });
      return response;
    } catch (error) {
      const name = (error as { name?: string })?.name;
      end({ outcome: name === "TimeoutError" || name === "AbortError" ? "timeout" : "network" });
      throw error;
    }
  };
}

/** Reads the database gauges (four indexed queries), then renders every metric. */
export async function renderMetrics(db: Db, now = new Date()): Promise<{ contentType: string; body: string }> {
  const [attempts, jobs, due, oldest] = await Promise.all([
    db.paymentAttempt.groupBy({ by: ["status"], _count: { _all: true } }),
    db.job.groupBy({ by: ["status"], where: { status: { not: "DONE" } }, _count: { _all: true } }),
    db.job.count({ where: { status: "QUEUED", runAt: { lte: now } } }),
    db.job.findFirst({
      where: { status: "QUEUED", runAt: { lte: now } },
      orderBy: { runAt: "asc" },
      select: { runAt: true },
    }),
  ]);
  metrics.attempts.reset();
  for (const row of attempts) metrics.attempts.set({ status: row.status }, row._count._all);
  const byStatus = new Map(jobs.map((row) => [row.status, row._count._all]));
  metrics.jobs.set({ status: "due" }, due);
  metrics.jobs.set({ status: "scheduled" }, (byStatus.get("QUEUED") ?? 0) - due);
  metrics.jobs.set({ status: "running" }, byStatus.get("RUNNING") ?? 0);
  metrics.jobs.set({ status: "dead" }, byStatus.get("DEAD") ?? 0);
  metrics.oldestDueJobSeconds.set(oldest ? Math.max(0, (now.getTime() - oldest.runAt.getTime()) / 1000) : 0);
  return { contentType: metrics.registry.contentType, body: await metrics.registry.metrics() };
}
