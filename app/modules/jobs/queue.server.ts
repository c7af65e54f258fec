import type { Job, Prisma, PrismaClient } from "@prisma/client";
import { env } from "../../lib/env.server";

// The durable queue: rows in the app database (the `Job` model), so a job can be enqueued in the same
// transaction as the state change that calls for it (transactional outbox), and survives restarts.

export type Db = PrismaClient | Prisma.TransactionClient;

export interface EnqueueInput {
  type: string;
  payload: unknown;
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
export async function enqueueJob(db: Db, input: EnqueueInput): Promise<{ job: Job; created: boolean }> {
  try {
    const job = await db.job.create({
      data: {
        type: input.type,
        payload: JSON.stringify(input.payload ?? null),
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

export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === "P2002";
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

/** Finishing is conditional on still holding the lock: a job whose lock expired belongs to its taker. */
export async function completeJob(db: PrismaClient, job: Job) {
  await db.job.updateMany({
    where: { id: job.id, lockedBy: job.lockedBy },
    data: { status: "DONE", lockedBy: null, lockedUntil: null, lastError: null },
  });
}

/** Heartbeat of a running job: moves its lock forward, only while this worker still holds it. */
export async function extendJobLock(db: PrismaClient, job: Job, until: Date) {
  await db.job.updateMany({ where: { id: job.id, lockedBy: job.lockedBy, status: "RUNNING" }, data: { lockedUntil: until } });
}

export async function rescheduleJob(db: PrismaClient, job: Job, runAt: Date, error: string) {
  await db.job.updateMany({
    where: { id: job.id, lockedBy: job.lockedBy },
    data: { status: "QUEUED", runAt, lockedBy: null, lockedUntil: null, lastError: error.slice(0, 2000) },
  });
}

export async function buryJob(db: PrismaClient, job: Job, error: string) {
  await db.job.updateMany({
    where: { id: job.id, lockedBy: job.lockedBy },
    data: { status: "DEAD", lockedBy: null, lockedUntil: null, lastError: error.slice(0, 2000) },
  });
}
