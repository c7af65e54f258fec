import type { PaymentAttempt, Prisma, PrismaClient, ReviewCode } from "@prisma/client";
import { logger } from "../../lib/logger.server";
import { enqueueJob } from "../jobs/queue.server";
import type { AttemptStatus } from "./attempt-status";
import { getAttempt, otherPaidAttempt, transitionAttempt } from "./attempts.server";
import { RECORD_PAYMENT_IN_SHOPIFY } from "./job-types";
import { enqueueNeedsReview } from "../flow/fire.server";
import { reviewGuidance } from "./dashboard/review-guidance";

// The one place an attempt leaves PENDING, whatever the evidence (callback, STK query, recovery).
// Every transition is a conditional update on the status read in the same transaction, so duplicates,
// replays and concurrent workers change nothing after the first. A success writes the receipt ledger
// row and the "record in Shopify" job in that same transaction (outbox): all of it happens, or none.

export interface Evidence {
  source: "callback" | "query" | "recovery";
  checkoutRequestId: string | null;
  resultCode: string | null;
  resultDesc: string;
  amount?: number;
  receipt?: string;
  transactionDate?: Date;
}

export type Verdict =
  | { status: "SUCCEEDED" | "CANCELLED" | "TIMED_OUT" | "FAILED" }
  // Paid on STK Push Query's word for this CheckoutRequestID and amount, no receipt yet: the order is
  // recorded paid with receipt "pending" and the receipt attached when found (receipt-pending.server.ts).
  | { status: "SUCCEEDED"; receiptPending: true }
  // receiptTrusted: the receipt is real money on this attempt (ledger it), as opposed to a forged or
  // contradicted one.
  | { status: "NEEDS_REVIEW"; reviewCode: ReviewCode; reviewDetail: string; receiptTrusted: boolean };

/** What settling needs: the database (it runs one transaction) and the clock. */
export interface SettleDeps {
  db: PrismaClient;
  now: () => Date;
}

export type SettleResult = { applied: true; status: AttemptStatus } | { applied: false; current: string };

const UNSUCCESSFUL = ["CANCELLED", "TIMED_OUT", "FAILED"];
const ENDED_AS: Record<string, string> = { CANCELLED: "cancelled", TIMED_OUT: "timed out", FAILED: "failed" };

export async function settleAttempt(
  deps: SettleDeps,
  attemptId: string,
  evidence: Evidence,
  proposed: Verdict,
  opts: { callbackLogId?: string; round?: number } = {},
): Promise<SettleResult> {
  const now = deps.now();
  const result = await deps.db.$transaction(async (tx) => {
    const attempt = await getAttempt(tx, attemptId);
    const verdict = await finalVerdict(tx, attempt, evidence, proposed);
    if (!verdict) return { applied: false as const, current: attempt.status };
    const trusted =
      !!evidence.receipt &&
      (verdict.status === "SUCCEEDED" || (verdict.status === "NEEDS_REVIEW" && verdict.receiptTrusted));
    const count = await transitionAttempt(tx, attempt, {
      status: verdict.status,
      resultCode: evidence.resultCode ?? attempt.resultCode,
      resultDesc: evidence.resultDesc,
      review: verdict.status === "NEEDS_REVIEW" ? { code: verdict.reviewCode, detail: verdict.reviewDetail } : null,
      checkoutRequestId: attempt.checkoutRequestId ?? evidence.checkoutRequestId,
      receipt: trusted ? evidence.receipt! : undefined,
      paidAmountKes: evidence.amount !== undefined ? Math.floor(evidence.amount) : undefined,
      transactionDate: evidence.transactionDate,
      completedAt: now,
      ...("receiptPending" in verdict && verdict.receiptPending && !evidence.receipt
        ? { receiptPendingSince: now }
        : {}),
    });
    if (count === 0) return { applied: false as const, current: "CHANGED" };
    const ledgered = trusted ? await tx.mpesaReceipt.findUnique({ where: { receipt: evidence.receipt! } }) : null;
    if (ledgered && sameC2bPayment(ledgered, attempt)) {
      // The paybill confirmation of this very payment came first (docs/C2B.md): one payment. The
      // prompt's order is the stronger evidence; a C2B row still in the unmatched queue leaves it.
      await tx.mpesaReceipt.update({
        where: { receipt: ledgered.receipt },
        data: { attemptId: attempt.id, orderGid: attempt.orderGid },
      });
      await tx.c2bPayment.updateMany({
        where: { receipt: ledgered.receipt, status: "UNMATCHED" },
        data: {
          status: "STK_DUPLICATE",
          reason: "STK_DUPLICATE",
          reasonDetail: `the STK prompt of attempt ${attempt.id} reported this receipt: applied by the prompt`,
          orderGid: attempt.orderGid,
          orderName: attempt.orderName,
        },
      });
    } else if (trusted && !ledgered) {
      await tx.mpesaReceipt.create({
        data: {
          receipt: evidence.receipt!,
          shopDomain: attempt.shopDomain,
          channel: "STK",
          attemptId: attempt.id,
          orderGid: attempt.orderGid,
          amountKes: Math.floor(evidence.amount ?? attempt.amountKes),
        },
      });
    }
    if (verdict.status === "SUCCEEDED") {
      await enqueueJob(tx, {
        type: RECORD_PAYMENT_IN_SHOPIFY,
        payload: { attemptId: attempt.id },
        dedupeKey: `record:${attempt.id}`,
        shopDomain: attempt.shopDomain,
      });
    }
    if (verdict.status === "NEEDS_REVIEW") {
      // The merchant's Flow workflows hear of it (a job: Shopify never holds up this transition).
      await enqueueNeedsReview(tx, attempt.shopDomain, attempt.id, {
        orderGid: attempt.orderGid,
        receipt: trusted ? evidence.receipt! : (attempt.mpesaReceipt ?? evidence.receipt ?? null),
        amountKes: Math.floor(evidence.amount ?? attempt.amountKes),
        reviewCode: verdict.reviewCode,
        reason: reviewGuidance(verdict.reviewCode).summary,
      });
    }
    if (opts.callbackLogId) await markCallbackProcessed(tx, opts.callbackLogId, now, verdict);
    return { applied: true as const, status: verdict.status };
  });
  // Another writer changed the attempt between our read and our update: decide again on fresh state.
  if (!result.applied && result.current === "CHANGED" && (opts.round ?? 0) < 3) {
    return settleAttempt(deps, attemptId, evidence, proposed, { ...opts, round: (opts.round ?? 0) + 1 });
  }
  if (result.applied) {
    const level = result.status === "NEEDS_REVIEW" ? "warn" : "info";
    logger[level](
      { attemptId, source: evidence.source, status: result.status, resultCode: evidence.resultCode },
      "payment attempt settled",
    );
  } else if (opts.callbackLogId) {
    await markCallbackProcessed(deps.db, opts.callbackLogId, now, null, `no change: attempt already ${result.current}`);
  }
  return result;
}

async function markCallbackProcessed(
  db: Prisma.TransactionClient,
  id: string,
  now: Date,
  verdict: Verdict | null,
  note?: string,
) {
  await db.callbackLog.update({
    where: { id },
    data: {
      status: "PROCESSED",
      processedAt: now,
      error:
        verdict?.status === "NEEDS_REVIEW"
          ? `${verdict.reviewCode}: ${verdict.reviewDetail}`.slice(0, 500)
          : (note ?? null),
    },
  });
}

/**
 * The verdict given the attempt's current state, or null for "nothing to change". Terminal states
 * stay, except that verified money is never silently dropped: a success after CANCELLED / TIMED_OUT /
 * FAILED goes to review, and a receipt-less "paid per query" review is completed by the receipt.
 */
async function finalVerdict(
  tx: Prisma.TransactionClient,
  attempt: PaymentAttempt,
  evidence: Evidence,
  proposed: Verdict,
): Promise<Verdict | null> {
  const paidEvidence =
    proposed.status === "SUCCEEDED" || (proposed.status === "NEEDS_REVIEW" && proposed.receiptTrusted);
  if (attempt.status !== "PENDING") {
    if (!evidence.receipt || !paidEvidence) return null;
    if (
      attempt.status === "NEEDS_REVIEW" &&
      attempt.reviewCode === "RECEIPT_UNKNOWN" &&
      proposed.status === "SUCCEEDED"
    ) {
      return orderLevelChecks(tx, attempt, evidence, proposed);
    }
    if (UNSUCCESSFUL.includes(attempt.status)) {
      // A 1037 is "pending / unknown" (docs/DARAJA.md §6.2): the shopper may have retried and paid
      // the order with another prompt before this one's money arrived. Then it is a second payment.
      const other = await otherPaidAttempt(tx, attempt);
      if (other) {
        return {
          status: "NEEDS_REVIEW",
          reviewCode: "SECOND_PAYMENT_REFUND",
          reviewDetail: `paid after M-PESA reported this prompt ${ENDED_AS[attempt.status]}, and the order was already paid by ${other.mpesaReceipt ? `receipt ${other.mpesaReceipt}` : "another payment"}; refund this payment`,
          receiptTrusted: true,
        };
      }
      return {
        status: "NEEDS_REVIEW",
        reviewCode: "LATE_SUCCESS",
        reviewDetail: `paid after the attempt was ${attempt.status}; refund or apply by hand`,
        receiptTrusted: true,
      };
    }
    return null;
  }
  return orderLevelChecks(tx, attempt, evidence, proposed);
}

/** A second success for an order already paid, or a receipt used elsewhere: money to look at. */
async function orderLevelChecks(
  tx: Prisma.TransactionClient,
  attempt: PaymentAttempt,
  evidence: Evidence,
  verdict: Verdict,
): Promise<Verdict> {
  if (verdict.status !== "SUCCEEDED") return verdict;
  if (evidence.receipt) {
    const seen = await tx.mpesaReceipt.findUnique({ where: { receipt: evidence.receipt } });
    if (seen && seen.attemptId !== attempt.id && !sameC2bPayment(seen, attempt)) {
      return {
        status: "NEEDS_REVIEW",
        reviewCode: "DUPLICATE_RECEIPT",
        reviewDetail: `${evidence.receipt} already recorded (${seen.channel} ${seen.attemptId ?? ""})`,
        receiptTrusted: false,
      };
    }
  }
  const other = await otherPaidAttempt(tx, attempt);
  if (other) {
    return {
      status: "NEEDS_REVIEW",
      reviewCode: "SECOND_PAYMENT_REFUND",
      reviewDetail: `order already paid by attempt ${other.id}; refund this payment`,
      receiptTrusted: true,
    };
  }
  return verdict;
}

/**
 * A receipt first seen as a C2B confirmation (no attempt yet) that is unmatched or matched to this
 * attempt's own order: the STK prompt's payment reported by both channels, not a second payment.
 */
function sameC2bPayment(
  seen: { channel: string; attemptId: string | null; orderGid: string | null },
  attempt: Pick<PaymentAttempt, "orderGid">,
): boolean {
  return seen.channel === "C2B" && !seen.attemptId && (seen.orderGid === null || seen.orderGid === attempt.orderGid);
}
