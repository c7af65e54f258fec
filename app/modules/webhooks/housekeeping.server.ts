import { z } from "zod";
import type { PrismaClient } from "@prisma/client";
import { logger } from "../../lib/logger.server";
import { defineJobType } from "../jobs/job-type";
import { enqueueJob } from "../jobs/queue.server";
import { pruneWebhookDeliveries } from "./delivery.server";

// Webhook-delivery housekeeping. The daily sweep only *enqueues* the day's job under a per-day
// dedupeKey: every app instance runs the sweep, but the unique key lets one job exist per day and the
// queue's conditional claim lets one worker run it. Registered by app/worker.server.ts.

export const PRUNE_WEBHOOK_DELIVERIES = defineJobType(
  "prune-webhook-deliveries",
  z.object({ olderThan: z.iso.datetime() }),
);
/** Shopify retries a delivery for about 4 hours; 30 days keeps ample evidence for support questions. */
export const WEBHOOK_DELIVERY_RETENTION_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

export async function runWebhookDeliveryPrune(db: PrismaClient, p: { olderThan: string }) {
  const deleted = await pruneWebhookDeliveries(db, new Date(p.olderThan));
  logger.info({ deleted, olderThan: p.olderThan }, "pruned webhook deliveries");
}

/** Enqueues today's (UTC) prune once, whichever instance asks first. */
export async function enqueueDailyHousekeeping(db: PrismaClient, now: Date) {
  const day = now.toISOString().slice(0, 10);
  // Cut at the start of the day so every instance asking today computes the same job.
  const olderThan = new Date(Date.parse(`${day}T00:00:00Z`) - WEBHOOK_DELIVERY_RETENTION_DAYS * DAY_MS);
  return enqueueJob(db, {
    type: PRUNE_WEBHOOK_DELIVERIES,
    payload: { olderThan: olderThan.toISOString() },
    dedupeKey: `${PRUNE_WEBHOOK_DELIVERIES.name}:${day}`,
    runAt: now,
    maxAttempts: 5,
  });
}
