import type { PaymentAttempt, Prisma, PrismaClient, ReviewCode } from "@prisma/client";
import { isUniqueViolation } from "../../lib/db-errors";

// The attempts repository: every read and write of PaymentAttempt rows by the payment use cases goes
// through here (the dashboard's read-only queries live in dashboard/). "One live STK prompt per
// order" is a database fact: `liveKey` is unique and holds "<shop>|<orderGid>" only while the attempt
// is PENDING, so two concurrent inserts for one order cannot both succeed, whichever instance runs them.
// Functions take the database or a transaction (`Db`), so a use case can compose them atomically.

export type Db = PrismaClient | Prisma.TransactionClient;

export const liveKeyFor = (shop: string, orderGid: string) => `${shop}|${orderGid}`;

export interface NewAttempt {
  shopDomain: string;
  orderGid: string;
  orderName: string | null;
  amountKes: number;
  msisdn: string;
  /** Whether `msisdn` is one of the order's own phone numbers (shown to the merchant when it is not). */
  phoneMatchesOrder?: boolean;
  environment: string;
  callbackTokenHash: string;
  /** The MpesaAccount the prompt is sent for. */
  mpesaAccountId?: string | null;
}

export const getAttempt = (db: Db, id: string) => db.paymentAttempt.findUniqueOrThrow({ where: { id } });
export const findAttempt = (db: Db, id: string) => db.paymentAttempt.findUnique({ where: { id } });
export const findAttemptByTokenHash = (db: Db, callbackTokenHash: string) =>
  db.paymentAttempt.findUnique({ where: { callbackTokenHash } });

export async function findLiveAttempt(db: Db, shop: string, orderGid: string) {
  return db.paymentAttempt.findUnique({ where: { liveKey: liveKeyFor(shop, orderGid) } });
}

export async function latestAttempt(db: Db, shop: string, orderGid: string) {
  return db.paymentAttempt.findFirst({
    where: { shopDomain: shop, orderGid },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
  });
}

/** The first attempt of the order that paid it or waits for review (the order is then not payable). */
export async function settledAttemptOf(db: Db, shop: string, orderGid: string) {
  return db.paymentAttempt.findFirst({
    where: { shopDomain: shop, orderGid, status: { in: ["SUCCEEDED", "NEEDS_REVIEW"] } },
    orderBy: { createdAt: "asc" },
  });
}

/** Another attempt that already paid the same order (a second payment is money to refund). */
export async function otherPaidAttempt(db: Db, attempt: Pick<PaymentAttempt, "id" | "shopDomain" | "orderGid">) {
  return db.paymentAttempt.findFirst({
    where: { shopDomain: attempt.shopDomain, orderGid: attempt.orderGid, status: "SUCCEEDED", id: { not: attempt.id } },
  });
}

/**
 * PENDING attempts created before `createdBefore` that have no recovery job yet (its dedupe key is
 * `recover:<attemptId>`), oldest first. Attempts whose job exists are left out in the query itself:
 * under load the first `take` stale attempts are the ones already being recovered, and a sweep that
 * re-read them would never reach the others (and would try one conflicting insert per attempt).
 */
export async function stalePendingAttempts(db: Db, createdBefore: Date, take = 200) {
  return db.$queryRaw<{ id: string; shopDomain: string }[]>`
    SELECT a."id", a."shopDomain" FROM "PaymentAttempt" a
    WHERE a."status" = 'PENDING' AND a."createdAt" <= ${createdBefore}
      AND NOT EXISTS (SELECT 1 FROM "Job" j WHERE j."dedupeKey" = CAST(${RECOVER_KEY_PREFIX} AS TEXT) || a."id")
    ORDER BY a."createdAt"
    LIMIT ${take}`;
}

/** The dedupe key of an attempt's recovery job. */
export const RECOVER_KEY_PREFIX = "recover:";
export const recoverDedupeKey = (attemptId: string) => `${RECOVER_KEY_PREFIX}${attemptId}`;

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

/** A claim refused before anything was sent (rate limited): gone, as if the request never came. */
export async function withdrawUnsentAttempt(db: Db, id: string) {
  await db.paymentAttempt.deleteMany({ where: { id, status: "PENDING", checkoutRequestId: null } });
}

/** Records Daraja's acknowledgement of the STK Push (only while still pending and not yet set). */
export async function storeStkAck(db: Db, id: string, ack: { checkoutRequestId: string; merchantRequestId: string }) {
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
  db: Db,
  id: string,
  reason: string,
  now: Date,
  stage: "stk_push_request" | "stk_push_unavailable" = "stk_push_request",
) {
  await db.paymentAttempt.updateMany({
    where: { id, status: "PENDING" },
    data: { status: "FAILED", liveKey: null, failureStage: stage, resultDesc: reason.slice(0, 500), completedAt: now },
  });
}

export async function markStkOutcomeUnknown(db: Db, id: string) {
  await db.paymentAttempt.updateMany({ where: { id, status: "PENDING" }, data: { failureStage: "stk_push_timeout" } });
}

export interface Transition {
  status: string;
  resultCode: string | null;
  resultDesc: string;
  review: { code: ReviewCode; detail: string } | null;
  checkoutRequestId: string | null;
  receipt?: string;
  paidAmountKes?: number;
  transactionDate?: Date;
  completedAt: Date;
  /** SUCCEEDED on STK Push Query's word, no receipt yet (payments/receipt-pending.server.ts). */
  receiptPendingSince?: Date;
}

/**
 * The one state transition (called by settleAttempt only): conditional on the status and review code
 * read in the same transaction, so of concurrent writers exactly one changes the row. Returns 1 or 0.
 */
export async function transitionAttempt(db: Db, from: PaymentAttempt, t: Transition): Promise<number> {
  const { count } = await db.paymentAttempt.updateMany({
    where: { id: from.id, status: from.status, reviewCode: from.reviewCode },
    data: {
      status: t.status,
      liveKey: null,
      resultCode: t.resultCode,
      resultDesc: t.resultDesc.slice(0, 500),
      reviewCode: t.review?.code ?? null,
      reviewDetail: t.review ? t.review.detail.slice(0, 500) : null,
      checkoutRequestId: t.checkoutRequestId,
      ...(t.receipt ? { mpesaReceipt: t.receipt } : {}),
      ...(t.paidAmountKes !== undefined ? { paidAmountKes: t.paidAmountKes } : {}),
      ...(t.transactionDate ? { transactionDate: t.transactionDate } : {}),
      ...(t.receiptPendingSince ? { receiptPendingSince: t.receiptPendingSince } : {}),
      completedAt: t.completedAt,
    },
  });
  return count;
}

/**
 * A SUCCEEDED attempt the app must not record in Shopify after all (sandbox money on a live store):
 * to review, so a person sees it. Only while it is still SUCCEEDED and not recorded.
 */
export async function holdPaidAttemptForReview(db: Db, id: string, code: ReviewCode, detail: string): Promise<boolean> {
  const { count } = await db.paymentAttempt.updateMany({
    where: { id, status: "SUCCEEDED", recordedInShopifyAt: null },
    data: { status: "NEEDS_REVIEW", reviewCode: code, reviewDetail: detail.slice(0, 500) },
  });
  return count === 1;
}

export async function markRecordedInShopify(
  db: Db,
  attempt: Pick<PaymentAttempt, "id" | "shopDomain" | "orderGid">,
  now: Date,
): Promise<boolean> {
  const { count } = await db.paymentAttempt.updateMany({
    where: { id: attempt.id, recordedInShopifyAt: null },
    data: { recordedInShopifyAt: now },
  });
  await db.mpesaOrder.updateMany({
    where: { shopDomain: attempt.shopDomain, orderGid: attempt.orderGid, paidAt: null },
    data: { paidAt: now },
  });
  return count === 1;
}
