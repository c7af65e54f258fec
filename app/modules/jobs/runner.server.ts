import crypto from "node:crypto";
import type { Job, PrismaClient } from "@prisma/client";
import { backoffDelayMs, type BackoffOptions } from "../../lib/retry";
import { logger } from "../../lib/logger.server";
import { buryJob, claimJobs, completeJob, rescheduleJob } from "./queue.server";
import { jobHandler, PermanentJobError, registeredJobTypes, RetryLaterError } from "./handlers";

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
  try {
    if (!handler) throw new PermanentJobError(`no handler for job type ${job.type}`);
    await handler(JSON.parse(job.payload), { job, attempt: job.attempts, now: now() });
    await completeJob(db, job);
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    if (error instanceof PermanentJobError || job.attempts >= job.maxAttempts) {
      log.error({ err: message }, "job dead: giving up");
      await buryJob(db, job, message);
      return;
    }
    const requested = error instanceof RetryLaterError ? error.delayMs : null;
    // A requested delay (poll interval, Retry-After) is a plan, not a failure: honour it as is.
    const delay = requested ?? backoffDelayMs(job.attempts, opts.backoff);
    const level = error instanceof RetryLaterError ? "debug" : "warn";
    log[level]({ err: message, retryInMs: delay }, "job will be retried");
    await rescheduleJob(db, job, new Date(now().getTime() + delay), message);
  }
}
