import type { PrismaClient } from "@prisma/client";
import { env } from "../../lib/env.server";
import { logger } from "../../lib/logger.server";
import { runDueJobs, type RunnerOptions } from "./runner.server";

// The in-process worker: polls the Job table every JOB_POLL_MS, and runs periodic tasks (the
// missed-callback recovery sweep; the daily housekeeping enqueue). Several app instances can run it at once: claims are conditional.

export interface PeriodicTask {
  name: string;
  everyMs: number;
  run: () => Promise<void>;
}

export interface WorkerOptions extends Partial<RunnerOptions> {
  db?: PrismaClient;
  pollMs?: number;
  periodic?: PeriodicTask[];
  enabled?: boolean;
}

export function startWorker(options: WorkerOptions = {}): { stop: () => Promise<void> } {
  const config = env();
  if (!(options.enabled ?? config.JOB_WORKER)) {
    logger.info("job worker disabled (JOB_WORKER=false)");
    return { stop: async () => {} };
  }
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();
  const lastRun = new Map<string, number>();

  const setup = (async () => {
    const db = options.db ?? (await import("../../db.server")).default;
    // The app's job types; imported here so the jobs module itself stays free of payment code.
    const { registerPaymentJobs, paymentPeriodicTasks } = await import("../payments/jobs.server");
    const { registerHousekeepingJobs, housekeepingPeriodicTasks } = await import("./housekeeping.server");
    registerPaymentJobs();
    registerHousekeepingJobs(db);
    return { db, periodic: options.periodic ?? [...paymentPeriodicTasks(), ...housekeepingPeriodicTasks(db, options.now)] };
  })();

  const runnerOptions = (): RunnerOptions => ({
    lockMs: options.lockMs ?? config.JOB_LOCK_SECONDS * 1000,
    backoff: options.backoff ?? { baseMs: config.JOB_RETRY_BASE_MS, maxMs: config.JOB_RETRY_MAX_MS },
    batchSize: options.batchSize ?? 10,
    workerId: options.workerId,
    now: options.now,
  });

  async function tick() {
    const { db, periodic } = await setup;
    const nowMs = Date.now();
    for (const task of periodic) {
      if (nowMs - (lastRun.get(task.name) ?? 0) < task.everyMs) continue;
      lastRun.set(task.name, nowMs);
      await task.run().catch((err) => logger.error({ err: String(err), task: task.name }, "periodic task failed"));
    }
    const claimed = await runDueJobs(db, runnerOptions());
    return claimed;
  }

  function schedule(delay: number) {
    if (stopped) return;
    timer = setTimeout(() => {
      current = tick()
        .then((claimed) => schedule(claimed > 0 ? 0 : (options.pollMs ?? config.JOB_POLL_MS)))
        .catch((err) => {
          logger.error({ err: String(err) }, "job worker tick failed");
          schedule(options.pollMs ?? config.JOB_POLL_MS);
        });
    }, delay);
  }
  schedule(0);
  logger.info({ pollMs: options.pollMs ?? config.JOB_POLL_MS }, "job worker started");

  return {
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await current.catch(() => {});
    },
  };
}
