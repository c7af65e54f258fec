import crypto from "node:crypto";
import { Prisma, type Job, type PrismaClient } from "@prisma/client";
import { env } from "../../lib/env.server";
import { isUniqueViolation } from "../../lib/db-errors";
import { logger } from "../../lib/logger.server";
import { checkPayload, type JobType } from "./job-type";
import { CRASHED_TOO_OFTEN, type ClaimOptions, type WorkItem, type WorkSource } from "./work-source";

// The durable queue: rows in the app database (the `Job` model), so a job can be enqueued in the same
// transaction as the state change that calls for it (transactional outbox), and survives restarts.

export type Db = PrismaClient | Prisma.TransactionClient;

export interface EnqueueInput<P> {
  type: JobType<P>;
  payload: P; // checked against type.schema before the insert
  dedupeKey?: string; // unique: enqueueing the same key twice returns the first job
  runAt?: Date;
  maxAttempts?: number;
  shopDomain?: string | null;
}

/**
 * Idempotent when `dedupeKey` is given: the insert is tried first (the common case costs one
 * statement) and a unique violation returns the existing job. Inside a PostgreSQL transaction that
 * violation aborts the transaction, so callers enqueueing in one guard their state change with a
 * conditional update first: only the one writer that won the update reaches the enqueue.
 */
export async function enqueueJob<P>(db: Db, input: EnqueueInput<P>): Promise<{ job: Job; created: boolean }> {
  const payload = checkPayload(input.type, input.payload);
  try {
    const job = await db.job.create({
      data: {
        type: input.type.name,
        payload: JSON.stringify(payload ?? null),
        dedupeKey: input.dedupeKey ?? null,
        runAt: input.runAt ?? new Date(),
        maxAttempts: input.maxAttempts ?? env().JOB_MAX_ATTEMPTS,
        shopDomain: input.shopDomain ?? null,
      },
    });
    return { job, created: true };
  } catch (error) {
    if (input.dedupeKey && isUniqueViolation(error)) {
      const job = await db.job.findUnique({ where: { dedupeKey: input.dedupeKey } });
      if (job) return { job, created: false };
    }
    throw error;
  }
}

/** Due now: queued and runAt reached, or running under a lock that expired (its worker died). */
function dueWhere(now: Date): Prisma.JobWhereInput {
  return {
    OR: [
      { status: "QUEUED", runAt: { lte: now } },
      { status: "RUNNING", lockedUntil: { lt: now } },
    ],
  };
}

/**
 * Claims up to `limit` due jobs. Each claim is a conditional update on the job's id *and* the due
 * condition, so when several workers race for one row exactly one update matches (count 1): the
 * database, not the process, decides who runs it. Works the same on SQLite and PostgreSQL.
 */
export async function claimJobs(
  db: PrismaClient,
  opts: { lockId: (jobId: string) => string; limit: number; lockMs: number; now: Date; types: string[] },
): Promise<Job[]> {
  await buryCrashedJobs(db, opts.now);
  const candidates = await db.job.findMany({
    where: { AND: [dueWhere(opts.now), { type: { in: opts.types } }] },
    orderBy: { runAt: "asc" },
    take: opts.limit,
    select: { id: true },
  });
  const claimed: Job[] = [];
  for (const { id } of candidates) {
    const lockedBy = opts.lockId(id);
    const { count } = await db.job.updateMany({
      where: { AND: [{ id }, dueWhere(opts.now)] },
      data: {
        status: "RUNNING",
        lockedBy,
        lockedUntil: new Date(opts.now.getTime() + opts.lockMs),
        attempts: { increment: 1 },
      },
    });
    if (count !== 1) continue;
    const job = await db.job.findUnique({ where: { id } });
    if (job && job.lockedBy === lockedBy) claimed.push(job);
  }
  return claimed;
}

/**
 * A job whose lock expired after its last allowed claim never reached the runner's retry decision:
 * its worker died while running it (a job that crashes the process would otherwise be re-claimed
 * forever). Dead-letter it, loudly.
 */
async function buryCrashedJobs(db: PrismaClient, now: Date) {
  const where: Prisma.JobWhereInput = {
    status: "RUNNING",
    lockedUntil: { lt: now },
    attempts: { gte: db.job.fields.maxAttempts },
  };
  const crashed = await db.job.findMany({ where, select: { id: true, type: true, attempts: true }, take: 100 });
  if (crashed.length === 0) return;
  await db.job.updateMany({
    where: { AND: [where, { id: { in: crashed.map((j) => j.id) } }] },
    data: { status: "DEAD", lockedBy: null, lockedUntil: null, lastError: CRASHED_TOO_OFTEN },
  });
  for (const j of crashed)
    logger.error(
      { alert: "job_dead", jobId: j.id, jobType: j.type, attempts: j.attempts },
      `job dead: ${CRASHED_TOO_OFTEN}`,
    );
}

/** Finishing is conditional on still holding the lock: a job whose lock expired belongs to its taker. */
export async function completeJob(db: PrismaClient, job: Pick<Job, "id" | "lockedBy">) {
  await db.job.updateMany({
    where: { id: job.id, lockedBy: job.lockedBy },
    data: { status: "DONE", lockedBy: null, lockedUntil: null, lastError: null },
  });
}

/** Heartbeat of a running job: moves its lock forward, only while this worker still holds it. */
export async function extendJobLock(db: PrismaClient, job: Pick<Job, "id" | "lockedBy">, until: Date) {
  await db.job.updateMany({
    where: { id: job.id, lockedBy: job.lockedBy, status: "RUNNING" },
    data: { lockedUntil: until },
  });
}

export async function rescheduleJob(db: PrismaClient, job: Pick<Job, "id" | "lockedBy">, runAt: Date, error: string) {
  await db.job.updateMany({
    where: { id: job.id, lockedBy: job.lockedBy },
    data: { status: "QUEUED", runAt, lockedBy: null, lockedUntil: null, lastError: error.slice(0, 2000) },
  });
}

export async function buryJob(db: PrismaClient, job: Pick<Job, "id" | "lockedBy">, error: string) {
  await db.job.updateMany({
    where: { id: job.id, lockedBy: job.lockedBy },
    data: { status: "DEAD", lockedBy: null, lockedUntil: null, lastError: error.slice(0, 2000) },
  });
}

const asWorkItem = (job: Job): WorkItem => ({
  id: job.id,
  type: job.type,
  payload: JSON.parse(job.payload),
  attempts: job.attempts,
  maxAttempts: job.maxAttempts,
  lockedBy: job.lockedBy,
});

/**
 * PostgreSQL: claims up to `limit` due jobs in ONE statement. The sub-select locks the rows it picks
 * and skips rows another worker's claim has locked (FOR UPDATE SKIP LOCKED), so several workers
 * claiming at once get disjoint batches instead of racing for the same first rows and queueing behind
 * each other's row locks. Rows claimed their maximum number of times are left to buryCrashedJobs.
 */
export async function claimJobsSkipLocked(
  db: PrismaClient,
  opts: { lockedBy: string; limit: number; lockMs: number; now: Date; types: string[] },
): Promise<WorkItem[]> {
  if (opts.types.length === 0 || opts.limit < 1) return [];
  const until = new Date(opts.now.getTime() + opts.lockMs);
  const rows = await db.$queryRaw<Pick<Job, "id" | "type" | "payload" | "attempts" | "maxAttempts" | "lockedBy">[]>`
    UPDATE "Job" SET "status" = 'RUNNING', "lockedBy" = ${opts.lockedBy}, "lockedUntil" = ${until},
      "attempts" = "attempts" + 1, "updatedAt" = ${opts.now}
    WHERE "id" IN (
      SELECT "id" FROM "Job"
      WHERE (("status" = 'QUEUED' AND "runAt" <= ${opts.now})
          OR ("status" = 'RUNNING' AND "lockedUntil" < ${opts.now} AND "attempts" < "maxAttempts"))
        AND "type" IN (${Prisma.join(opts.types)})
      ORDER BY "runAt"
      LIMIT ${opts.limit}
      FOR UPDATE SKIP LOCKED)
    RETURNING "id", "type", "payload", "attempts", "maxAttempts", "lockedBy"`;
  return rows.map((job) => ({ ...job, payload: JSON.parse(job.payload) }));
}

export interface JobQueueOptions {
  /**
   * How due jobs are claimed. "conditional" (SQLite, the default): one conditional update per job —
   * SQLite has one writer, so nothing is gained by more. "skip-locked" (PostgreSQL): one
   * `FOR UPDATE SKIP LOCKED` batch claim, so workers of several instances never serialize.
   */
  claim?: "conditional" | "skip-locked";
}

/** The Job table as a work source for the runner. */
export function jobQueueSource(db: PrismaClient, options: JobQueueOptions = {}): WorkSource {
  let lastBurial = 0;
  const claimSkipLocked = async (opts: ClaimOptions) => {
    // Crashed jobs wait for an expired lock anyway: look for them every few seconds, not on every pass.
    if (opts.now.getTime() - lastBurial >= Math.min(opts.lockMs, 5_000)) {
      lastBurial = opts.now.getTime();
      await buryCrashedJobs(db, opts.now);
    }
    return claimJobsSkipLocked(db, { ...opts, lockedBy: `${opts.workerId}:${crypto.randomUUID()}` });
  };
  return {
    name: "jobs",
    wakesOn: ["notify:Job"],
    claim:
      options.claim === "skip-locked"
        ? claimSkipLocked
        : async (opts: ClaimOptions) =>
            (await claimJobs(db, { ...opts, lockId: () => `${opts.workerId}:${crypto.randomUUID()}` })).map(asWorkItem),
    complete: (item) => completeJob(db, item),
    extendLock: (item, until) => extendJobLock(db, item, until),
    reschedule: (item, runAt, error) => rescheduleJob(db, item, runAt, error),
    bury: (item, error) => buryJob(db, item, error),
  };
}
