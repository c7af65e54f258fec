import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { createPrismaClient } from "../app/db.server";
import { enqueueDailyHousekeeping, PRUNE_WEBHOOK_DELIVERIES } from "../app/modules/webhooks/housekeeping.server";
import { PRUNE_CALLBACK_LOG } from "../app/modules/daraja-events/common/retention.server";
import { runDueJobs } from "../app/modules/jobs/runner.server";
import { periodicTasks, registerJobHandlers, startBackgroundWorker } from "../app/worker.server";
import { eventually } from "./support/payments-harness";

// The worker's periodic sweep schedules the webhook-delivery prune once a day (deliveries older than
// 30 days), however many instances run the sweep.

const db = createPrismaClient(process.env.DATABASE_URL);
const other = createPrismaClient(process.env.DATABASE_URL); // a second app instance
afterAll(async () => {
  await Promise.all([db.$disconnect(), other.$disconnect()]);
});

const T0 = new Date("2026-03-14T09:30:00Z");
const daysBefore = (d: number, from = T0) => new Date(from.getTime() - d * 24 * 3600 * 1000);
const runner = (now: Date) => ({ lockMs: 60_000, backoff: { baseMs: 1000, maxMs: 60_000 }, now: () => now });

beforeEach(async () => {
  await db.job.deleteMany();
  await db.webhookDelivery.deleteMany();
  await db.webhookDelivery.createMany({
    data: [
      { webhookId: "old-1", shopDomain: "hk.myshopify.com", topic: "orders/create", receivedAt: daysBefore(45) },
      { webhookId: "old-2", shopDomain: "hk.myshopify.com", topic: "app/uninstalled", receivedAt: daysBefore(31) },
      { webhookId: "recent", shopDomain: "hk.myshopify.com", topic: "orders/create", receivedAt: daysBefore(29) },
    ],
  });
});

const remaining = async () =>
  (await db.webhookDelivery.findMany({ orderBy: { webhookId: "asc" } })).map((d) => d.webhookId);

describe("housekeeping", () => {
  it("two instances sweeping the same day enqueue one prune job; it deletes deliveries older than 30 days", async () => {
    registerJobHandlers(db);
    const daily = (d: typeof db, now: () => Date) =>
      periodicTasks(d, now).find((t) => t.name === "daily-housekeeping")!;
    const a = daily(db, () => T0);
    const b = daily(other, () => new Date(T0.getTime() + 3600_000));
    await Promise.all([a.run(), b.run(), a.run()]);
    const jobs = await db.job.findMany({ where: { type: PRUNE_WEBHOOK_DELIVERIES.name } });
    expect(jobs).toHaveLength(1);
    expect(jobs[0].dedupeKey).toBe(`${PRUNE_WEBHOOK_DELIVERIES.name}:2026-03-14`);

    // The sweep also enqueues the day's callback-log prune (see the M3 test below): two jobs.
    expect(await runDueJobs(db, runner(T0))).toBe(2);
    expect((await db.job.findUniqueOrThrow({ where: { id: jobs[0].id } })).status).toBe("DONE");
    expect(await remaining()).toEqual(["recent"]);

    // Later the same day: nothing new. The next day: a new job.
    await a.run();
    expect(await db.job.count({ where: { type: PRUNE_WEBHOOK_DELIVERIES.name } })).toBe(1);
    const { created, job } = await enqueueDailyHousekeeping(db, new Date("2026-03-15T00:05:00Z"));
    expect(created).toBe(true);
    expect(job.dedupeKey).toBe(`${PRUNE_WEBHOOK_DELIVERIES.name}:2026-03-15`);
  });

  it("the running worker's own sweep enqueues and runs the prune", async () => {
    const worker = await startBackgroundWorker({ db, enabled: true, pollMs: 20, now: () => T0 });
    try {
      await eventually(
        async () =>
          (await db.job.findFirst({ where: { type: PRUNE_WEBHOOK_DELIVERIES.name, status: "DONE" } })) !== null,
        "prune job done",
        10_000,
      );
    } finally {
      await worker.stop();
    }
    expect(await remaining()).toEqual(["recent"]);
  });

  it("M3: the callback log is pruned on its retention settings; an attempt's callbacks stay for the records period", async () => {
    await db.callbackLog.deleteMany();
    const row = (id: string, days: number, extra: Record<string, unknown> = {}) => ({
      id,
      kind: "STK",
      path: "/daraja/stk/:token",
      headers: "{}",
      body: "",
      status: "IGNORED",
      receivedAt: daysBefore(days),
      ...extra,
    });
    await db.callbackLog.createMany({
      data: [
        row("unknown-old", 31), // no attempt, past CALLBACK_LOG_RETENTION_DAYS (30): pruned
        row("unknown-recent", 29),
        row("attempt-old", 400, { attemptId: "a1", status: "PROCESSED" }), // an attempt's: kept (records period 1827 days)
        row("attempt-expired", 1900, { attemptId: "a2", status: "PROCESSED" }), // past the records period: pruned
        row("refund-old", 400, { refundId: "r1", kind: "RESULT", status: "PROCESSED" }), // a refund's: kept too
        row("refund-expired", 1900, { refundId: "r2", kind: "RESULT", status: "PROCESSED" }),
        row("unfinished", 2000, { attemptId: "a3", status: "RECEIVED", runAt: daysBefore(2000) }), // work not done: never pruned
      ],
    });
    registerJobHandlers(db);
    await periodicTasks(db, () => T0)
      .find((t) => t.name === "daily-housekeeping")!
      .run();
    expect(
      await db.job.count({
        where: { type: PRUNE_CALLBACK_LOG.name, dedupeKey: `${PRUNE_CALLBACK_LOG.name}:2026-03-14` },
      }),
    ).toBe(1);
    await runDueJobs(db, runner(T0));
    const left = (await db.callbackLog.findMany({ orderBy: { id: "asc" } })).map((r) => r.id);
    expect(left).toEqual(["attempt-old", "refund-old", "unfinished", "unknown-recent"]);
  });
});
