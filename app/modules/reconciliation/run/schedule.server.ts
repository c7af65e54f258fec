import type { PrismaClient } from "@prisma/client";
import { EAT_OFFSET_MS, eatWallClock, instantFromEat } from "../../../lib/eat";
import { enqueueJob } from "../../jobs/queue.server";
import { RUN_RECONCILIATION } from "./job-types";
import { settingsFrom } from "./settings.server";

// The daily run: at the time each merchant picked (EAT), the previous EAT day is reconciled. Every
// instance runs this sweep; the job's dedupe key (shop + day) lets one job a day exist per shop, and the
// run's own claim lets one computation of a window run at a time whatever the queue does.

const DAY_MS = 24 * 60 * 60 * 1000;

/** The EAT calendar day holding an instant, as [00:00 EAT, next 00:00 EAT). */
export function eatDay(instant: Date): { from: Date; to: Date; label: string } {
  const wall = eatWallClock(instant);
  const from = instantFromEat(wall.getUTCFullYear(), wall.getUTCMonth(), wall.getUTCDate(), 0, 0, 0);
  return { from, to: new Date(from.getTime() + DAY_MS), label: wall.toISOString().slice(0, 10) };
}

/** The window of EAT days "YYYY-MM-DD" .. "YYYY-MM-DD" (both included). */
export function eatDaysWindow(first: string, last: string): { from: Date; to: Date } | null {
  const re = /^(\d{4})-(\d{2})-(\d{2})$/;
  const a = re.exec(first);
  const b = re.exec(last);
  if (!a || !b) return null;
  const from = instantFromEat(+a[1], +a[2] - 1, +a[3], 0, 0, 0);
  const lastDay = instantFromEat(+b[1], +b[2] - 1, +b[3], 0, 0, 0);
  // Date.UTC rolls 2026-02-31 over to March: refuse days that do not exist.
  if (eatDay(from).label !== first || eatDay(lastDay).label !== last) return null;
  const to = new Date(lastDay.getTime() + DAY_MS);
  return from < to ? { from, to } : null;
}

/** Whether the shop's daily run is due at `now`: the picked EAT time of today has passed. */
export function dailyWindowDue(reconcileAtEat: string | null, now: Date): { from: Date; to: Date } | null {
  if (!reconcileAtEat) return null;
  const [h, m] = reconcileAtEat.split(":").map(Number);
  const today = eatDay(now);
  if (now.getTime() < today.from.getTime() + (h * 60 + m) * 60_000) return null;
  return { from: new Date(today.from.getTime() - DAY_MS), to: today.from };
}

export const dailyDedupeKey = (shop: string, from: Date) =>
  `${RUN_RECONCILIATION.name}:${shop}:${new Date(from.getTime() + EAT_OFFSET_MS).toISOString().slice(0, 10)}`;

/** Enqueues each installed shop's daily run once its time has come (one insert per shop and day). */
export async function enqueueDueDailyRuns(db: PrismaClient, now: Date): Promise<number> {
  const shops = await db.shopSettings.findMany({
    select: {
      shopDomain: true,
      reconcileAtEat: true,
      operationsEmail: true,
      dailySummaryEmail: true,
      receiptPendingHours: true,
    },
  });
  const uninstalled = new Set(
    (await db.shop.findMany({ where: { uninstalledAt: { not: null } }, select: { domain: true } })).map(
      (s) => s.domain,
    ),
  );
  const due = shops
    .filter((s) => !uninstalled.has(s.shopDomain))
    .map((s) => ({ shop: s.shopDomain, window: dailyWindowDue(settingsFrom(s).reconcileAtEat, now) }))
    .filter((d): d is { shop: string; window: { from: Date; to: Date } } => d.window !== null)
    .map((d) => ({ ...d, key: dailyDedupeKey(d.shop, d.window.from) }));
  if (!due.length) return 0;
  const existing = new Set<string>();
  for (let i = 0; i < due.length; i += 500) {
    const rows = await db.job.findMany({
      where: { dedupeKey: { in: due.slice(i, i + 500).map((d) => d.key) } },
      select: { dedupeKey: true },
    });
    for (const r of rows) existing.add(r.dedupeKey!);
  }
  let created = 0;
  for (const d of due) {
    if (existing.has(d.key)) continue;
    const r = await enqueueJob(db, {
      type: RUN_RECONCILIATION,
      payload: { shop: d.shop, from: d.window.from.toISOString(), to: d.window.to.toISOString(), trigger: "SCHEDULED" },
      dedupeKey: d.key,
      shopDomain: d.shop,
      runAt: now,
      maxAttempts: 10,
    });
    if (r.created) created++;
  }
  return created;
}
