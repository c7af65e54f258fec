import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { createPrismaClient } from "../app/db.server";
import { enqueueJob } from "../app/modules/jobs/queue.server";
import { PermanentJobError, registerJobHandler, RetryLaterError } from "../app/modules/jobs/handlers";
import { runDueJobs } from "../app/modules/jobs/runner.server";
import { backoffDelayMs } from "../app/lib/retry";
import { isPostgres } from "./support/databases";
import { z } from "zod";
import { defineJobType } from "../app/modules/jobs/job-type";

/** Test job types: any payload (the schema checks are tested below). */
const T = (name: string) => defineJobType(name, z.any());

// The durable queue on the real (per-file) database: claiming, retry with backoff, dead-letter.

const db = createPrismaClient(process.env.DATABASE_URL);
// A second "instance": its own connection pool on PostgreSQL (the multi-instance store). SQLite is the
// single-instance store — one process, one connection, queries serialized by the adapter — so there
// the race is two workers on one client, which still interleave their reads and conditional claims.
const other = isPostgres() ? createPrismaClient(process.env.DATABASE_URL) : db;
afterAll(async () => {
  await db.$disconnect();
  if (other !== db) await other.$disconnect();
});
beforeEach(async () => {
  await db.job.deleteMany();
});

const T0 = new Date("2026-03-14T12:00:00Z");
const at = (ms: number) => () => new Date(T0.getTime() + ms);
const opts = (now = at(0)) => ({ lockMs: 60_000, backoff: { baseMs: 1000, maxMs: 60_000, random: () => 0.5 }, now });

describe("jobs", () => {
  it("enqueue with a dedupe key is idempotent", async () => {
    const a = await enqueueJob(db, { type: T("t-noop"), payload: { n: 1 }, dedupeKey: "k1", runAt: T0 });
    const b = await enqueueJob(db, { type: T("t-noop"), payload: { n: 2 }, dedupeKey: "k1", runAt: T0 });
    expect(a.created).toBe(true);
    expect(b.created).toBe(false);
    expect(b.job.id).toBe(a.job.id);
    expect(await db.job.count()).toBe(1);
  });

  it("two workers racing over the same jobs run each exactly once", async () => {
    const runs: string[] = [];
    registerJobHandler(T("t-count"), async (p: { i: number }) => {
      runs.push(String(p.i));
    });
    for (let i = 0; i < 20; i++) await enqueueJob(db, { type: T("t-count"), payload: { i }, runAt: T0 });
    await Promise.all([
      runDueJobs(db, { ...opts(), workerId: "a", batchSize: 20 }),
      runDueJobs(other, { ...opts(), workerId: "b", batchSize: 20 }),
    ]);
    expect(runs.sort()).toEqual(Array.from({ length: 20 }, (_, i) => String(i)).sort());
    expect(await db.job.count({ where: { status: "DONE" } })).toBe(20);
  });

  it("a failing job is rescheduled with backoff, a requested delay is honoured, then it succeeds", async () => {
    let calls = 0;
    registerJobHandler(T("t-flaky"), async () => {
      calls++;
      if (calls === 1) throw new Error("boom");
      if (calls === 2) throw new RetryLaterError("throttled", 7000);
    });
    const { job } = await enqueueJob(db, { type: T("t-flaky"), payload: {}, runAt: T0 });
    await runDueJobs(db, opts(at(0)));
    let row = await db.job.findUniqueOrThrow({ where: { id: job.id } });
    expect(row.status).toBe("QUEUED");
    expect(row.attempts).toBe(1);
    expect(row.lastError).toContain("boom");
    expect(row.runAt.getTime() - T0.getTime()).toBe(backoffDelayMs(1, opts().backoff));
    // Not due yet: nothing runs.
    expect(await runDueJobs(db, opts(at(100)))).toBe(0);
    await runDueJobs(db, opts(at(60_000)));
    row = await db.job.findUniqueOrThrow({ where: { id: job.id } });
    expect(row.runAt.getTime()).toBe(T0.getTime() + 60_000 + 7000);
    await runDueJobs(db, opts(at(70_000)));
    row = await db.job.findUniqueOrThrow({ where: { id: job.id } });
    expect(row.status).toBe("DONE");
    expect(calls).toBe(3);
  });

  it("a job that keeps failing is dead after maxAttempts; a permanent error is dead at once", async () => {
    registerJobHandler(T("t-always"), async () => {
      throw new Error("never works");
    });
    registerJobHandler(T("t-permanent"), async () => {
      throw new PermanentJobError("cannot work");
    });
    const { job } = await enqueueJob(db, { type: T("t-always"), payload: {}, runAt: T0, maxAttempts: 3 });
    const { job: perm } = await enqueueJob(db, { type: T("t-permanent"), payload: {}, runAt: T0 });
    for (let i = 0; i < 5; i++) await runDueJobs(db, opts(at(i * 3_600_000)));
    const row = await db.job.findUniqueOrThrow({ where: { id: job.id } });
    expect(row.status).toBe("DEAD");
    expect(row.attempts).toBe(3);
    const permRow = await db.job.findUniqueOrThrow({ where: { id: perm.id } });
    expect(permRow.status).toBe("DEAD");
    expect(permRow.attempts).toBe(1);
  });

  it("a job whose worker died (lock expired) is taken over; a live lock is respected", async () => {
    let runs = 0;
    registerJobHandler(T("t-crash"), async () => {
      runs++;
    });
    const { job } = await enqueueJob(db, { type: T("t-crash"), payload: {}, runAt: T0 });
    await db.job.update({
      where: { id: job.id },
      data: { status: "RUNNING", lockedBy: "dead-worker", lockedUntil: new Date(T0.getTime() + 30_000), attempts: 1 },
    });
    expect(await runDueJobs(db, opts(at(10_000)))).toBe(0);
    expect(await runDueJobs(db, opts(at(31_000)))).toBe(1);
    const row = await db.job.findUniqueOrThrow({ where: { id: job.id } });
    expect(row.status).toBe("DONE");
    expect(row.attempts).toBe(2);
    expect(runs).toBe(1);
  });

  it("M7: a running job keeps its lock (heartbeat): a second worker does not start it beside the first", async () => {
    let runs = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    registerJobHandler(T("t-slow"), async () => {
      // The first run is still going long after its first lock would have expired.
      if (++runs === 1) await gate;
    });
    await enqueueJob(db, { type: T("t-slow"), payload: {}, runAt: new Date(Date.now() - 1000) });
    const live = { lockMs: 150, backoff: { baseMs: 1000, maxMs: 60_000 } }; // the real clock
    const first = runDueJobs(db, { ...live, workerId: "a" });
    await new Promise((r) => setTimeout(r, 600)); // four lock lifetimes
    expect(await runDueJobs(other, { ...live, workerId: "b" })).toBe(0);
    release();
    await first;
    expect(runs).toBe(1);
    expect(await db.job.count({ where: { type: "t-slow", status: "DONE" } })).toBe(1);
  });

  it("L2: a job whose worker died on each of its maxAttempts claims is dead-lettered, not claimed forever", async () => {
    let runs = 0;
    registerJobHandler(T("t-crasher"), async () => {
      runs++;
    });
    const { job } = await enqueueJob(db, { type: T("t-crasher"), payload: {}, runAt: T0, maxAttempts: 3 });
    // What three crashes mid-run leave behind: RUNNING, claimed maxAttempts times, lock expired.
    await db.job.update({
      where: { id: job.id },
      data: { status: "RUNNING", lockedBy: "dead-worker", lockedUntil: new Date(T0.getTime() + 1000), attempts: 3 },
    });
    expect(await runDueJobs(db, opts(at(5000)))).toBe(0);
    const row = await db.job.findUniqueOrThrow({ where: { id: job.id } });
    expect(row.status).toBe("DEAD");
    expect(row.lastError).toMatch(/without finishing/);
    expect(runs).toBe(0);
  });

  it("job payloads are checked against their type's schema at enqueue and at run", async () => {
    const typed = defineJobType("t-typed", z.object({ attemptId: z.string().min(1) }));
    let seen: unknown = null;
    registerJobHandler(typed, async (p) => {
      seen = p;
    });
    await expect(enqueueJob(db, { type: typed, payload: { attemptId: "" } })).rejects.toThrow(
      /invalid payload for job type t-typed/,
    );
    expect(await db.job.count()).toBe(0);
    // A row written outside enqueueJob (an older release, a hand edit) with a wrong payload: DEAD at once.
    const bad = await db.job.create({ data: { type: "t-typed", payload: JSON.stringify({ attempt: 1 }), runAt: T0 } });
    const { job: good } = await enqueueJob(db, { type: typed, payload: { attemptId: "a1" }, runAt: T0 });
    expect(await runDueJobs(db, opts(at(1000)))).toBe(2);
    expect(await db.job.findUniqueOrThrow({ where: { id: bad.id } })).toMatchObject({ status: "DEAD", attempts: 1 });
    expect((await db.job.findUniqueOrThrow({ where: { id: bad.id } })).lastError).toMatch(/invalid payload/);
    expect((await db.job.findUniqueOrThrow({ where: { id: good.id } })).status).toBe("DONE");
    expect(seen).toEqual({ attemptId: "a1" });
  });
});
