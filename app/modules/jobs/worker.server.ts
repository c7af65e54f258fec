import type { PrismaClient } from "@prisma/client";
import { env } from "../../lib/env.server";
import { logger } from "../../lib/logger.server";
import { claimDue, runClaimed, type RunnerOptions } from "./runner.server";
import { jobQueueSource } from "./queue.server";
import type { WorkSource } from "./work-source";

// The in-process worker: one lane per work source (the Job table, stored inbound events) and one for
// the periodic tasks; each source lane keeps up to JOB_BATCH_SIZE items running, claims again at once
// while it finds work and has free slots, else after JOB_POLL_MS or when woken. What it runs is decided by the
// composition root (app/worker.server.ts); this module knows no job type of the app. Several app
// instances can run it at once: claims are conditional (SQLite) or skip locked rows (PostgreSQL).
// Each pass records why it ran (start, poll, more work, or the wake reason: stored, notify:<table>…),
// so tests can tell a pass woken by a notification from one the poll timer started.

export interface PeriodicTask {
  name: string;
  everyMs: number;
  run: () => Promise<void>;
}

export interface WorkerOptions extends Partial<RunnerOptions> {
  db?: PrismaClient;
  /** Default: the Job table of `db`. */
  sources?: WorkSource[];
  pollMs?: number;
  periodic?: PeriodicTask[];
  enabled?: boolean;
  /** Called after every pass with why it ran and how many items it claimed. */
  onPass?: (pass: WorkerPass) => void;
}

export interface WorkerPass {
  reason: string; // "start" | "poll" | "more" (the last pass claimed work) | a wake reason
  claimed: number;
  source: string; // the work source's name
}

export interface Worker {
  stop: () => Promise<void>;
  /** New work was just stored: run a pass now instead of waiting out the poll interval. */
  wake: (reason?: string) => void;
}

export function startWorker(options: WorkerOptions = {}): Worker {
  const config = env();
  if (!(options.enabled ?? config.JOB_WORKER)) {
    logger.info("job worker disabled (JOB_WORKER=false)");
    return { stop: async () => {}, wake: () => {} };
  }
  let stopped = false;
  const lastRun = new Map<string, number>();
  const pollMs = options.pollMs ?? config.JOB_POLL_MS;

  const runnerOptions = (): RunnerOptions => ({
    lockMs: options.lockMs ?? config.JOB_LOCK_SECONDS * 1000,
    backoff: options.backoff ?? { baseMs: config.JOB_RETRY_BASE_MS, maxMs: config.JOB_RETRY_MAX_MS },
    batchSize: options.batchSize ?? config.JOB_BATCH_SIZE,
    workerId: options.workerId,
    now: options.now,
  });

  /**
   * One lane per work source (and one for the periodic tasks), each with its own timer: a batch of
   * slow Shopify writes never holds up the next batch of stored callbacks behind it.
   */
  function lane(name: string, pass: () => Promise<number>) {
    let timer: NodeJS.Timeout | undefined;
    let running = false;
    let wokenWhileRunning: string | null = null;
    let current: Promise<void> = Promise.resolve();
    const schedule = (delay: number, reason: string) => {
      if (stopped) return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        timer = undefined;
        running = true;
        wokenWhileRunning = null;
        current = pass()
          .then((claimed) => {
            running = false;
            if (name !== PERIODIC) options.onPass?.({ reason, claimed, source: name });
            if (claimed > 0) schedule(0, "more");
            else if (wokenWhileRunning) schedule(0, wokenWhileRunning);
            else schedule(pollMs, "poll");
          })
          .catch((err) => {
            running = false;
            logger.error({ err: String(err), source: name }, "job worker pass failed");
            schedule(pollMs, "poll");
          });
      }, delay);
    };
    schedule(0, "start");
    return {
      name,
      wake: (reason: string) => {
        if (stopped) return;
        if (running) wokenWhileRunning ??= reason;
        else schedule(0, reason);
      },
      stop: async () => {
        if (timer) clearTimeout(timer);
        await current.catch(() => {});
      },
    };
  }

  const periodic = lane(PERIODIC, async () => {
    const nowMs = Date.now();
    for (const task of options.periodic ?? []) {
      if (nowMs - (lastRun.get(task.name) ?? 0) < task.everyMs) continue;
      lastRun.set(task.name, nowMs);
      await task.run().catch((err) => logger.error({ err: String(err), task: task.name }, "periodic task failed"));
    }
    return 0;
  });
  /**
   * A source's lane keeps up to JOB_BATCH_SIZE items running: a pass claims as many as there are free
   * slots and starts them without waiting for the batch, and every item that ends wakes the lane to
   * refill its slot. One slow item (a Shopify write waiting for its shop's bucket) holds one slot, not
   * the whole batch.
   */
  const running = new Set<Promise<void>>();
  function sourceLane(source: WorkSource) {
    let inFlight = 0;
    const l = lane(source.name, async () => {
      const opts = runnerOptions();
      const free = (opts.batchSize ?? 10) - inFlight;
      if (free <= 0) return 0;
      const items = await claimDue(source, opts, free);
      for (const item of items) {
        inFlight++;
        const run: Promise<void> = runClaimed(source, item, opts)
          .catch((err) => logger.error({ err: String(err), source: source.name }, "job run failed"))
          .finally(() => {
            inFlight--;
            running.delete(run);
            l.wake("slot");
          });
        running.add(run);
      }
      return items.length;
    });
    return l;
  }
  const lanes = (async () => {
    const sources = options.sources ?? [jobQueueSource(options.db ?? (await import("../../db.server")).default)];
    return sources.map((source) => ({ source, lane: sourceLane(source) }));
  })();
  logger.info({ pollMs }, "job worker started");

  return {
    wake: (reason = "woken") => {
      if (stopped) return;
      // A reason some source names (its table was written) wakes that source; any other wakes all.
      void lanes.then((all) => {
        const named = all.filter((l) => l.source.wakesOn?.includes(reason));
        for (const l of named.length ? named : all) l.lane.wake(reason);
      });
    },
    stop: async () => {
      stopped = true;
      await Promise.all([periodic.stop(), ...(await lanes).map((l) => l.lane.stop())]);
      // Claim nothing new; let the items already running finish (graceful shutdown).
      await Promise.all([...running]);
    },
  };
}

const PERIODIC = "periodic";
