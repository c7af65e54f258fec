import type { PrismaClient } from "@prisma/client";
import { retryDecision, type BackoffOptions } from "../../lib/retry";
import { logger } from "../../lib/logger.server";
import { jobQueueSource } from "./queue.server";
import { jobHandler, PermanentJobError, registeredJobTypes } from "./handlers";
import type { WorkItem, WorkSource } from "./work-source";

export interface RunnerOptions {
  workerId?: string;
  batchSize?: number;
  lockMs: number;
  backoff: BackoffOptions;
  now?: () => Date;
}

/** One pass over the Job table: claim due jobs and run them concurrently. Returns how many were claimed. */
export function runDueJobs(db: PrismaClient, opts: RunnerOptions): Promise<number> {
  return runDueWork(jobQueueSource(db), opts);
}

/** One pass over any work source (Job rows, stored inbound events). Returns how many were claimed. */
export async function runDueWork(source: WorkSource, opts: RunnerOptions): Promise<number> {
  const now = opts.now ?? (() => new Date());
  const items = await claimDue(source, opts, opts.batchSize ?? 10);
  await Promise.all(items.map((item) => runOne(source, item, opts, now)));
  return items.length;
}

/** Claims up to `limit` due items of `source` for this worker. */
export function claimDue(source: WorkSource, opts: RunnerOptions, limit: number): Promise<WorkItem[]> {
  const now = opts.now ?? (() => new Date());
  return source.claim({
    workerId: opts.workerId ?? `w-${process.pid}`,
    limit,
    lockMs: opts.lockMs,
    now: now(),
    types: registeredJobTypes(),
  });
}

/** Runs one claimed item to its end (complete, reschedule or bury); never throws for the item's own failure. */
export function runClaimed(source: WorkSource, item: WorkItem, opts: RunnerOptions): Promise<void> {
  return runOne(source, item, opts, opts.now ?? (() => new Date()));
}

async function runOne(source: WorkSource, job: WorkItem, opts: RunnerOptions, now: () => Date) {
  const handler = jobHandler(job.type);
  const log = logger.child({ jobId: job.id, jobType: job.type, attempt: job.attempts, source: source.name });
  // Heartbeat: a job that is still running keeps its lock (extended every third of the lock time), so
  // only a job whose worker died is taken over — a slow run never gets a second run beside it.
  const heartbeat = setInterval(
    () => {
      source
        .extendLock(job, new Date(now().getTime() + opts.lockMs))
        .catch((err) => log.warn({ err: String(err) }, "job lock heartbeat failed"));
    },
    Math.max(10, Math.floor(opts.lockMs / 3)),
  );
  try {
    if (!handler) throw new PermanentJobError(`no handler for job type ${job.type}`);
    await handler(job.payload, { job, attempt: job.attempts, now: now() });
    await source.complete(job, now());
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    // The error's kind alone decides (app/lib/errors.ts, app/lib/retry.ts): no translation here.
    const decision = retryDecision(error, job.attempts, job.maxAttempts, opts.backoff);
    if (!decision.retry) {
      log.error({ err: message, reason: decision.reason, alert: "job_dead" }, "job dead: giving up");
      await source.bury(job, message, now());
      return;
    }
    log[decision.planned ? "debug" : "warn"]({ err: message, retryInMs: decision.delayMs }, "job will be retried");
    await source.reschedule(job, new Date(now().getTime() + decision.delayMs), message);
  } finally {
    clearInterval(heartbeat);
  }
}
