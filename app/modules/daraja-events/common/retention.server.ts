import { z } from "zod";
import type { PrismaClient } from "@prisma/client";
import { logger } from "../../../lib/logger.server";
import { defineJobType } from "../../jobs/job-type";
import { enqueueJob } from "../../jobs/queue.server";

// The callback log is pruned daily (job `prune-callback-log`, enqueued once per UTC day by the
// worker's housekeeping sweep). Rows that belong to no attempt (unknown tokens) go after
// CALLBACK_LOG_RETENTION_DAYS; rows of an attempt or a refund are the merchant's evidence and stay for
// PAYMENT_RECORDS_RETENTION_DAYS. Unfinished work (RECEIVED) is never pruned.

export const PRUNE_CALLBACK_LOG = defineJobType(
  "prune-callback-log",
  z.object({ unattributedBefore: z.iso.datetime(), attemptsBefore: z.iso.datetime() }),
);

export interface RetentionSettings {
  unattributedDays: number;
  attemptDays: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export async function pruneCallbackLog(db: PrismaClient, cut: { unattributedBefore: Date; attemptsBefore: Date }) {
  const { count } = await db.callbackLog.deleteMany({
    where: {
      status: { not: "RECEIVED" },
      OR: [
        { attemptId: null, refundId: null, receivedAt: { lt: cut.unattributedBefore } },
        // A payment's or a refund's messages are the merchant's records.
        { OR: [{ attemptId: { not: null } }, { refundId: { not: null } }], receivedAt: { lt: cut.attemptsBefore } },
      ],
    },
  });
  return count;
}

export async function runCallbackLogPrune(db: PrismaClient, p: z.infer<typeof PRUNE_CALLBACK_LOG.schema>) {
  const deleted = await pruneCallbackLog(db, {
    unattributedBefore: new Date(p.unattributedBefore),
    attemptsBefore: new Date(p.attemptsBefore),
  });
  logger.info({ deleted, ...p }, "pruned callback log");
}

/** Today's (UTC) prune, once whichever instance asks first (cut at the start of the day, so all agree). */
export function enqueueDailyCallbackPrune(db: PrismaClient, now: Date, settings: RetentionSettings) {
  const day = now.toISOString().slice(0, 10);
  const start = Date.parse(`${day}T00:00:00Z`);
  return enqueueJob(db, {
    type: PRUNE_CALLBACK_LOG,
    payload: {
      unattributedBefore: new Date(start - settings.unattributedDays * DAY_MS).toISOString(),
      attemptsBefore: new Date(start - settings.attemptDays * DAY_MS).toISOString(),
    },
    dedupeKey: `${PRUNE_CALLBACK_LOG.name}:${day}`,
    runAt: now,
    maxAttempts: 5,
  });
}
