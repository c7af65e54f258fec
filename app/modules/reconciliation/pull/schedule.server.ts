import type { PrismaClient } from "@prisma/client";
import { enqueueJob } from "../../jobs/queue.server";
import { PULL_TRANSACTIONS, type PullJob } from "./job-types";

// When Pull Transactions runs (docs/RECONCILIATION.md): for every receiving account registered for Pull,
//   - hourly: the last PULL_HOURLY_LOOKBACK_HOURS hours up to the last full hour;
//   - daily: a 48-hour sweep up to the start of the UTC day (Pull serves the last 48 hours only);
//   - on demand ("Pull now"): the last 48 hours up to the end of the current minute.
// Windows are aligned (hour, day, minute), so every instance computes the same ones: the job's dedupe key
// `pull:<account>:<start>:<end>` and PullRun's unique key make one pull per account and window.

const HOUR = 3600_000;
const DAY = 24 * HOUR;
export const PULL_MAX_WINDOW_MS = 48 * HOUR;

const floorTo = (t: Date, ms: number) => new Date(Math.floor(t.getTime() / ms) * ms);

export function pullWindows(now: Date, hourlyLookbackHours: number) {
  const hourEnd = floorTo(now, HOUR);
  const dayEnd = floorTo(now, DAY);
  return {
    hourly: { windowStart: new Date(hourEnd.getTime() - hourlyLookbackHours * HOUR), windowEnd: hourEnd },
    daily: { windowStart: new Date(dayEnd.getTime() - PULL_MAX_WINDOW_MS), windowEnd: dayEnd },
  };
}

export async function enqueuePull(
  db: PrismaClient,
  account: { id: string; shopDomain: string },
  w: { windowStart: Date; windowEnd: Date },
  trigger: PullJob["trigger"],
) {
  const payload: PullJob = {
    accountId: account.id,
    windowStart: w.windowStart.toISOString(),
    windowEnd: w.windowEnd.toISOString(),
    trigger,
  };
  return enqueueJob(db, {
    type: PULL_TRANSACTIONS,
    payload,
    dedupeKey: `pull:${account.id}:${payload.windowStart}:${payload.windowEnd}`,
    shopDomain: account.shopDomain,
  });
}

/** The periodic task (app/worker.server.ts): enqueue this hour's and this day's pulls of every registered account. */
export async function enqueueScheduledPulls(db: PrismaClient, now: Date, hourlyLookbackHours: number): Promise<number> {
  const accounts = await db.mpesaAccount.findMany({
    where: { purpose: "RECEIVE", pullRegisteredAt: { not: null } },
    select: { id: true, shopDomain: true },
  });
  const w = pullWindows(now, hourlyLookbackHours);
  let created = 0;
  for (const a of accounts) {
    if ((await enqueuePull(db, a, w.hourly, "hourly")).created) created++;
    if ((await enqueuePull(db, a, w.daily, "daily")).created) created++;
  }
  return created;
}

/** "Pull now" (settings): the last 48 hours up to the end of this minute (payments of this minute included). */
export async function enqueueManualPull(db: PrismaClient, account: { id: string; shopDomain: string }, now: Date) {
  const windowEnd = new Date(floorTo(now, 60_000).getTime() + 60_000);
  return enqueuePull(
    db,
    account,
    { windowStart: new Date(windowEnd.getTime() - PULL_MAX_WINDOW_MS + 60_000), windowEnd },
    "manual",
  );
}
