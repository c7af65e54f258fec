import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { createPrismaClient } from "../app/db.server";
import {
  enqueueDailyHousekeeping,
  housekeepingPeriodicTasks,
  PRUNE_WEBHOOK_DELIVERIES,
  registerHousekeepingJobs,
} from "../app/modules/jobs/housekeeping.server";
import { runDueJobs } from "../app/modules/jobs/runner.server";
import { startWorker } from "../app/modules/jobs/worker.server";
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

const remaining = async () => (await db.webhookDelivery.findMany({ orderBy: { webhookId: "asc" } })).map((d) => d.webhookId);

describe("housekeeping", () => {
  it("two instances sweeping the same day enqueue one prune job; it deletes deliveries older than 30 days", async () => {
    registerHousekeepingJobs(db);
    const [a] = housekeepingPeriodicTasks(db, () => T0);
    const [b] = housekeepingPeriodicTasks(other, () => new Date(T0.getTime() + 3600_000));
    await Promise.all([a.run(), b.run(), a.run()]);
    const jobs = await db.job.findMany({ where: { type: PRUNE_WEBHOOK_DELIVERIES } });
    expect(jobs).toHaveLength(1);
    expect(jobs[0].dedupeKey).toBe(`${PRUNE_WEBHOOK_DELIVERIES}:2026-03-14`);

    expect(await runDueJobs(db, runner(T0))).toBe(1);
    expect((await db.job.findUniqueOrThrow({ where: { id: jobs[0].id } })).status).toBe("DONE");
    expect(await remaining()).toEqual(["recent"]);

    // Later the same day: nothing new. The next day: a new job.
    await a.run();
    expect(await db.job.count({ where: { type: PRUNE_WEBHOOK_DELIVERIES } })).toBe(1);
    const { created, job } = await enqueueDailyHousekeeping(db, new Date("2026-03-15T00:05:00Z"));
    expect(created).toBe(true);
    expect(job.dedupeKey).toBe(`${PRUNE_WEBHOOK_DELIVERIES}:2026-03-15`);
  });

  it("the running worker's own sweep enqueues and runs the prune", async () => {
    const worker = startWorker({ db, enabled: true, pollMs: 20, now: () => T0 });
    try {
      await eventually(
        async () => (await db.job.findFirst({ where: { type: PRUNE_WEBHOOK_DELIVERIES, status: "DONE" } })) !== null,
        "prune job done",
        10_000,
      );
    } finally {
      await worker.stop();
    }
    expect(await remaining()).toEqual(["recent"]);
  });
});
