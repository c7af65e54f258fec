import crypto from "node:crypto";
import type { Job, PrismaClient } from "@prisma/client";
import { retryDecision, type BackoffOptions } from "../../lib/retry";
import { logger } from "../../lib/logger.server";
import { buryJob, claimJobs, completeJob, extendJobLock, rescheduleJob } from "./queue.server";
import { jobHandler, PermanentJobError, registeredJobTypes } from "./handlers";

export interface RunnerOptions {
  workerId?: string;
  batchSize?: number;
  lockMs: number;
  backoff: BackoffOptions;
  now?: () => Date;
}

/** One pass: claim due jobs and run them concurrently. Returns how many were claimed. */
export async function runDueJobs(db: PrismaClient, opts: RunnerOptions): Promise<number> {
  const now = opts.now ?? (() => new Date());
  const workerId = opts.workerId ?? `w-${process.pid}`;
  const jobs = await claimJobs(db, {
    lockId: () => `${workerId}:${crypto.randomUUID()}`,
    limit: opts.batchSize ?? 10,
    lockMs: opts.lockMs,
    now: now(),
    types: registeredJobTypes(),
  });
  await Promise.all(jobs.map((job) => runOne(db, job, opts, now)));
  return jobs.length;
}

async function runOne(db: PrismaClient, job: Job, opts: RunnerOptions, now: () => Date) {
  const handler = jobHandler(job.type);
  const log = logger.child({ jobId: job.id, jobType: job.type, attempt: job.attempts });
  // Heartbeat: a job that is still running keeps its lock (extended every third of the lock time), so
  // only a job whose worker died is taken over — a slow run never gets a second run beside it.
  const heartbeat = setInterval(() => {
    extendJobLock(db, job, new Date(now().getTime() + opts.lockMs)).catch((err) => log.warn({ err: String(err) }, "job lock heartbeat failed"));
  }, Math.max(10, Math.floor(opts.lockMs / 3)));
  try {
    if (!handler) throw new PermanentJobError(`no handler for job type ${job.type}`);
    await handler(JSON.parse(job.payload), { job, attempt: job.attempts, now: now() });
    await completeJob(db, job);
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    // The error's kind alone decides (app/lib/errors.ts, app/lib/retry.ts): no translation here.
    const decision = retryDecision(error, job.attempts, job.maxAttempts, opts.backoff);
    if (!decision.retry) {
      log.error({ err: message, reason: decision.reason }, "job dead: giving up");
      await buryJob(db, job, message);
      return;
    }
    log[decision.planned ? "debug" : "warn"]({ err: message, retryInMs: decision.delayMs }, "job will be retried");
    await rescheduleJob(db, job, new Date(now().getTime() + decision.delayMs), message);
  } finally {
    clearInterval(heartbeat);
  }
}
