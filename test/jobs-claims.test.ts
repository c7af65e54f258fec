import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { createPrismaClient } from "../app/db.server";
import { defineJobType } from "../app/modules/jobs/job-type";
import { registerJobHandler } from "../app/modules/jobs/handlers";
import { claimJobsSkipLocked, enqueueJob, jobQueueSource } from "../app/modules/jobs/queue.server";
import type { WorkerPass } from "../app/modules/jobs/worker.server";
import { listenForWork } from "../app/modules/jobs/wakeup.server";
import { sweepStalePending } from "../app/modules/payments/recovery.server";
import { startBackgroundWorker, workSources } from "../app/worker.server";
import { isPostgres } from "./support/databases";
import { eventually } from "./support/payments-harness";

// Job claims across instances. PostgreSQL: one FOR UPDATE SKIP LOCKED batch claim per pass (workers
// never queue behind each other's row locks) and LISTEN/NOTIFY wakes a sleeping worker the moment any
// instance commits a job. SQLite (one writer, one instance): conditional per-row claims and the poll,
// unchanged. Every test runs on both databases and checks what that database promises.

const url = process.env.DATABASE_URL!;
const db = createPrismaClient(url);
// A second instance: its own pool on PostgreSQL; on SQLite the same single connection.
const other = isPostgres() ? createPrismaClient(url) : db;
afterAll(async () => {
  await db.$disconnect();
  if (other !== db) await other.$disconnect();
});
beforeEach(async () => {
  await db.job.deleteMany();
  await db.paymentAttempt.deleteMany();
});

const NOOP = defineJobType("test-claims-noop", z.object({ n: z.number() }));
const ran: number[] = [];
registerJobHandler(NOOP, async (p) => void ran.push(p.n));

const claimOpts = (workerId: string, limit: number) => ({
  workerId,
  limit,
  lockMs: 60_000,
  now: new Date(),
  types: [NOOP.name],
});
const sourceFor = (client: typeof db) =>
  jobQueueSource(client, { claim: isPostgres() ? "skip-locked" : "conditional" });

async function enqueueMany(n: number) {
  const past = new Date(Date.now() - 1000);
  for (let i = 0; i < n; i++) await enqueueJob(db, { type: NOOP, payload: { n: i }, runAt: past });
}

describe("job claims", () => {
  it("the composition root picks skip-locked claims on PostgreSQL and conditional claims on SQLite", async () => {
    await enqueueMany(3);
    const jobs = workSources(db, url).find((s) => s.name === "jobs")!;
    const claimed = await jobs.claim(claimOpts("w-root", 10));
    expect(claimed.map((c) => c.payload)).toHaveLength(3);
    // Skip-locked claims share one lock id per batch; conditional claims take one per job.
    const lockIds = new Set(claimed.map((c) => c.lockedBy));
    expect(lockIds.size).toBe(isPostgres() ? 1 : 3);
  });

  it("two workers claiming at once get disjoint batches, and every job is claimed exactly once", async () => {
    await enqueueMany(120);
    const a = sourceFor(db);
    const b = sourceFor(other);
    const seen = new Map<string, string>();
    for (let round = 0; round < 20; round++) {
      const [ca, cb] = await Promise.all([a.claim(claimOpts("w-a", 15)), b.claim(claimOpts("w-b", 15))]);
      for (const [who, items] of [
        ["a", ca],
        ["b", cb],
      ] as const)
        for (const item of items) {
          expect(seen.has(item.id), `job ${item.id} claimed by ${seen.get(item.id)} and ${who}`).toBe(false);
          seen.set(item.id, who);
        }
      if (ca.length + cb.length === 0) break;
    }
    expect(seen.size).toBe(120);
    const rows = await db.job.findMany();
    expect(rows.every((r) => r.status === "RUNNING" && r.attempts === 1)).toBe(true);
    // Both workers got work (neither waited for the other to finish the table).
    expect(new Set(seen.values())).toEqual(new Set(["a", "b"]));
  });

  it(
    isPostgres()
      ? "a claim skips the rows another worker's claim holds locked instead of waiting for them"
      : "a job another worker holds is not claimed again while its lock lasts",
    async () => {
      await enqueueMany(12);
      const oldest = await db.job.findMany({ orderBy: { runAt: "asc" }, take: 5, select: { id: true } });
      const held = new Set(oldest.map((j) => j.id));
      if (isPostgres()) {
        // Hold row locks on the five oldest jobs in an open transaction (another worker mid-claim).
        // A claim that waited for them would never return inside it: the transaction would time out.
        const claimed = await db.$transaction(async (tx) => {
          await tx.$queryRaw`SELECT "id" FROM "Job" WHERE "id" IN (${oldest[0].id}, ${oldest[1].id}, ${oldest[2].id}, ${oldest[3].id}, ${oldest[4].id}) FOR UPDATE`;
          return claimJobsSkipLocked(other, { ...claimOpts("w-b", 10), lockedBy: "w-b:batch" });
        });
        expect(claimed).toHaveLength(7);
        expect(claimed.some((c) => held.has(c.id))).toBe(false);
      } else {
        const first = await sourceFor(db).claim(claimOpts("w-a", 5));
        expect(new Set(first.map((c) => c.id))).toEqual(held);
        const second = await sourceFor(other).claim(claimOpts("w-b", 10));
        expect(second).toHaveLength(7);
        expect(second.some((c) => held.has(c.id))).toBe(false);
      }
    },
  );

  it(
    isPostgres()
      ? "a job committed by another instance wakes a sleeping worker through NOTIFY, not its poll"
      : "SQLite: a job stored by another client is found by the worker's poll (no LISTEN/NOTIFY)",
    async () => {
      const passes: WorkerPass[] = [];
      const worker = await startBackgroundWorker({
        db,
        databaseUrl: url,
        enabled: true,
        periodic: [],
        // PostgreSQL: a poll interval far beyond the test's timeout — only a wake can run the job.
        pollMs: isPostgres() ? 600_000 : 50,
        onPass: (p) => passes.push(p),
      });
      try {
        await eventually(() => passes.some((p) => p.reason === "start"), "the first pass");
        ran.length = 0;
        // Another instance's commit: no in-process wake reaches this worker.
        await enqueueJob(other, { type: NOOP, payload: { n: 42 } });
        await eventually(async () => (await db.job.findFirst({ where: { status: "DONE" } })) !== null, "job done");
        expect(ran).toEqual([42]);
        const ranIn = passes.filter((p) => p.claimed > 0);
        expect(ranIn).toHaveLength(1);
        if (isPostgres()) {
          expect(ranIn[0].reason).toBe("notify:Job");
          expect(passes.some((p) => p.reason === "poll")).toBe(false);
        } else {
          expect(ranIn[0].reason).toBe("poll");
          expect(passes.some((p) => p.reason.startsWith("notify"))).toBe(false);
        }
      } finally {
        await worker.stop();
      }
    },
  );

  it(
    isPostgres()
      ? "the LISTEN connection announces Job and CallbackLog inserts, reconnects after losing its connection, and closes"
      : "SQLite: no trigger announces inserts (the migration is PostgreSQL-only)",
    async () => {
      if (!isPostgres()) {
        const triggers = await db.$queryRawUnsafe<{ name: string }[]>(
          "SELECT name FROM sqlite_master WHERE type = 'trigger'",
        );
        expect(triggers).toEqual([]);
        return;
      }
      const reasons: string[] = [];
      const listener = listenForWork(url, { onWake: (r) => reasons.push(r), retryMs: 50 });
      await listener.ready;
      try {
        await enqueueJob(other, { type: NOOP, payload: { n: 1 } });
        await other.callbackLog.create({
          data: { kind: "STK", path: "/daraja/stk/:token", tokenHash: "x", headers: "{}", body: "{}" },
        });
        await eventually(() => reasons.includes("notify:Job") && reasons.includes("notify:CallbackLog"), "notified");
        // Kill the listening backend: the listener reconnects and wakes the worker once to catch up.
        await db.$executeRawUnsafe(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'mpesa-checkout-wakeup' AND datname = current_database()",
        );
        await eventually(() => reasons.includes("reconnected"), "reconnected");
        reasons.length = 0;
        await enqueueJob(other, { type: NOOP, payload: { n: 2 } });
        await eventually(() => reasons.includes("notify:Job"), "notified after reconnecting");
      } finally {
        await listener.close();
      }
      const left = await db.$queryRawUnsafe<{ n: bigint }[]>(
        "SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'mpesa-checkout-wakeup' AND datname = current_database()",
      );
      await eventually(async () => Number(left[0].n) === 0, "listener connection closed");
    },
  );
});

describe("recovery sweep", () => {
  const attempt = (i: number, createdAt: Date) => ({
    shopDomain: "sweep.myshopify.com",
    orderGid: `gid://shopify/Order/${i}`,
    amountKes: 100,
    environment: "sandbox",
    callbackTokenHash: `hash-${i}`,
    liveKey: `sweep|${i}`,
    createdAt,
  });

  it("enqueues a recovery job only for stale attempts that have none, even past the first page", async () => {
    const old = new Date(Date.now() - 3_600_000);
    await db.paymentAttempt.createMany({ data: Array.from({ length: 250 }, (_, i) => attempt(i, old)) });
    const fresh = await db.paymentAttempt.create({ data: attempt(999, new Date()) }); // not stale yet
    const deps = {
      db,
      now: () => new Date(),
      config: { recoveryAfterMs: 60_000, recoveryIntervalMs: 1000, recoveryMaxQueries: 3 },
    };
    expect(await sweepStalePending(deps)).toBe(200); // one page
    expect(await sweepStalePending(deps)).toBe(50); // the rest: the first page already has its jobs
    expect(await sweepStalePending(deps)).toBe(0); // nothing missing: no insert tried at all
    const jobs = await db.job.findMany({ select: { dedupeKey: true } });
    expect(jobs).toHaveLength(250);
    expect(new Set(jobs.map((j) => j.dedupeKey)).size).toBe(250);
    expect(jobs.some((j) => j.dedupeKey === `recover:${fresh.id}`)).toBe(false);
  });
});
