import type { PaymentAttempt, PrismaClient } from "@prisma/client";
import { isUniqueViolation } from "../jobs/queue.server";

// Storage of PaymentAttempt rows. "One live STK prompt per order" is a database fact: `liveKey` is
// unique and holds "<shop>|<orderGid>" only while the attempt is PENDING, so two concurrent inserts
// for one order cannot both succeed, whichever app instance they run on.

export const liveKeyFor = (shop: string, orderGid: string) => `${shop}|${orderGid}`;

export interface NewAttempt {
  shopDomain: string;
  orderGid: string;
  orderName: string | null;
  amountKes: number;
  msisdn: string;
  environment: string;
  callbackTokenHash: string;
}

export async function findLiveAttempt(db: PrismaClient, shop: string, orderGid: string) {
  return db.paymentAttempt.findUnique({ where: { liveKey: liveKeyFor(shop, orderGid) } });
}

export async function latestAttempt(db: PrismaClient, shop: string, orderGid: string) {
  return db.paymentAttempt.findFirst({
    where: { shopDomain: shop, orderGid },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
  });
}

/** Inserts a PENDING attempt, or returns the one already pending for the order (created: false). */
export async function insertPendingAttempt(
  db: PrismaClient,
  data: NewAttempt,
): Promise<{ attempt: PaymentAttempt; created: boolean }> {
  const liveKey = liveKeyFor(data.shopDomain, data.orderGid);
  try {
    const attempt = await db.paymentAttempt.create({ data: { ...data, status: "PENDING", liveKey } });
    return { attempt, created: true };
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const existing = await db.paymentAttempt.findUnique({ where: { liveKey } });
    // The other attempt may have settled between our insert and this read: then ours can go again.
    if (!existing) return insertPendingAttempt(db, data);
    return { attempt: existing, created: false };
  }
}

/** Records Daraja's acknowledgement of the STK Push (only while still pending and not yet set). */
export async function storeStkAck(
  db: PrismaClient,
  id: string,
  ack: { checkoutRequestId: string; merchantRequestId: string },
) {
  await db.paymentAttempt.updateMany({
    where: { id, checkoutRequestId: null },
    data: { checkoutRequestId: ack.checkoutRequestId, merchantRequestId: ack.merchantRequestId },
  });
}

/**
 * Daraja refused the push, or it never left (Daraja unreachable): nothing reached the phone, the
 * order may be paid with a new attempt. `stage` tells the two apart for the shopper's message.
 */
export async function failBeforePrompt(
  db: PrismaClient,
  id: string,
  reason: string,
  now: Date,
  stage: "stk_push_request" | "stk_push_unavailable" = "stk_push_request",
) {
  await db.paymentAttempt.updateMany({
    where: { id, status: "PENDING" },
    data: {
      status: "FAILED",
      liveKey: null,
      failureStage: stage,
      resultDesc: reason.slice(0, 500),
      completedAt: now,
    },
  });
}

export async function markStkOutcomeUnknown(db: PrismaClient, id: string) {
  await db.paymentAttempt.updateMany({ where: { id, status: "PENDING" }, data: { failureStage: "stk_push_timeout" } });
}
