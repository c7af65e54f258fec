import type { PaymentAttempt, Prisma } from "@prisma/client";
import { AppError, kindOf, ShopNotConfiguredError } from "../../lib/errors";
import { logger } from "../../lib/logger.server";
import { RetryLaterError } from "../jobs/handlers";
import { enqueueJob } from "../jobs/queue.server";
import { attachMpesaReceipt } from "../shopify/orders.server";
import { findAttempt, type Db } from "./attempts.server";
import { ATTACH_RECEIPT_IN_SHOPIFY } from "./job-types";
import { claimBusyRetryMs, claimReceiptWrite, receiptRecorded, releaseReceiptClaim } from "./receipt-claims.server";
import type { RecordDeps } from "./record-in-shopify.server";
import { SANDBOX_NOTE } from "./record-in-shopify.server";
import type { SettleDeps } from "./settle.server";

// Receipt-pending payments (docs/RECONCILIATION.md, "A missed callback ends paid"). STK Push Query said
// our CheckoutRequestID succeeded but no callback came: the attempt is SUCCEEDED with mpesaReceipt null
// and receiptPendingSince set, and the order was recorded paid with receipt "pending" (reference = the
// CheckoutRequestID). When the receipt is found — a late callback, a Pull Transactions row, a statement
// row — attachFoundReceipt writes it onto the attempt, creates its MpesaReceipt ledger row and enqueues
// `attach-receipt-in-shopify`, all in one transaction and only once (a conditional update on
// mpesaReceipt null). The job writes the receipt metafield and tag on the order, once.

export type FoundBy = "callback" | "pull" | "statement";

export interface FoundReceipt {
  receipt: string;
  amountKes: number;
  transactionDate?: Date | null;
  foundBy: FoundBy;
}

export type AttachOutcome =
  | { kind: "attached" }
  /** The amount found is short of the attempt's: receipt kept on the ledger, attempt to review. */
  | { kind: "review"; detail: string }
  /** Not (or no longer) a receipt-pending attempt: nothing changed. */
  | { kind: "not_pending" }
  /** The receipt is already another payment's in the ledger: nothing changed (reported). */
  | { kind: "conflict"; detail: string };

export const isReceiptPending = (
  a: Pick<PaymentAttempt, "status" | "mpesaReceipt" | "receiptPendingSince" | "checkoutRequestId">,
) => a.status === "SUCCEEDED" && !a.mpesaReceipt && !!a.receiptPendingSince && !!a.checkoutRequestId;

/** Attaches a found receipt to a receipt-pending attempt (callers have matched it to the attempt). */
export async function attachFoundReceipt(
  deps: SettleDeps,
  attemptId: string,
  found: FoundReceipt,
  opts: { tx?: Prisma.TransactionClient; onDone?: (tx: Prisma.TransactionClient, note: string) => Promise<void> } = {},
): Promise<AttachOutcome> {
  const run = async (tx: Prisma.TransactionClient): Promise<AttachOutcome> => {
    const now = deps.now();
    const attempt = await tx.paymentAttempt.findUnique({ where: { id: attemptId } });
    if (!attempt || !isReceiptPending(attempt)) return { kind: "not_pending" };
    const seen = await tx.mpesaReceipt.findUnique({ where: { receipt: found.receipt } });
    const sameC2b =
      seen?.channel === "C2B" && !seen.attemptId && (!seen.orderGid || seen.orderGid === attempt.orderGid);
    if (seen && seen.attemptId !== attempt.id && !sameC2b) {
      const detail = `receipt ${found.receipt} is already ${seen.channel} ${seen.attemptId ?? seen.orderGid ?? ""} in the ledger`;
      return { kind: "conflict", detail };
    }
    const short = found.amountKes < attempt.amountKes;
    const detail = short
      ? `recorded paid on STK query's word; receipt ${found.receipt} (found by ${found.foundBy}) pays KES ${found.amountKes}, expected KES ${attempt.amountKes}`
      : "";
    const { count } = await tx.paymentAttempt.updateMany({
      where: { id: attempt.id, status: "SUCCEEDED", mpesaReceipt: null },
      data: {
        mpesaReceipt: found.receipt,
        paidAmountKes: found.amountKes,
        ...(found.transactionDate ? { transactionDate: found.transactionDate } : {}),
        receiptAttachedAt: now,
        receiptFoundBy: found.foundBy,
        ...(short ? { status: "NEEDS_REVIEW", reviewCode: "AMOUNT_SHORT", reviewDetail: detail.slice(0, 500) } : {}),
      },
    });
    if (count === 0) return { kind: "not_pending" };
    if (seen) {
      await tx.mpesaReceipt.update({
        where: { receipt: found.receipt },
        data: { attemptId: attempt.id, orderGid: attempt.orderGid },
      });
      await tx.c2bPayment.updateMany({
        where: { receipt: found.receipt, status: "UNMATCHED" },
        data: {
          status: "STK_DUPLICATE",
          reason: "STK_DUPLICATE",
          reasonDetail: `the receipt of attempt ${attempt.id} (paid per STK query): applied by the prompt`,
          orderGid: attempt.orderGid,
          orderName: attempt.orderName,
        },
      });
    } else {
      await tx.mpesaReceipt.create({
        data: {
          receipt: found.receipt,
          shopDomain: attempt.shopDomain,
          channel: "STK",
          attemptId: attempt.id,
          orderGid: attempt.orderGid,
          amountKes: found.amountKes,
        },
      });
    }
    await enqueueJob(tx, {
      type: ATTACH_RECEIPT_IN_SHOPIFY,
      payload: { attemptId: attempt.id },
      dedupeKey: `attach:${attempt.id}`,
      shopDomain: attempt.shopDomain,
    });
    await opts.onDone?.(tx, short ? `AMOUNT_SHORT: ${detail}` : `receipt ${found.receipt} attached (${found.foundBy})`);
    return short ? { kind: "review", detail } : { kind: "attached" };
  };
  const outcome = opts.tx ? await run(opts.tx) : await deps.db.$transaction(run);
  if (outcome.kind !== "not_pending")
    logger[outcome.kind === "attached" ? "info" : "warn"](
      { attemptId, foundBy: found.foundBy, outcome: outcome.kind },
      "receipt of a receipt-pending payment found",
    );
  return outcome;
}

/**
 * The receipt-pending attempt of a shop whose CheckoutRequestID, or else amount, phone and time, match
 * a found transaction (Pull rows carry no CheckoutRequestID: amount, the phone's last 9 digits and a time
 * within `windowMs` of the prompt). Only an unambiguous match counts.
 */
export async function findPendingAttemptFor(
  db: Db,
  shop: string,
  t: { checkoutRequestId?: string | null; amountKes: number; msisdnTail: string | null; at: Date | null },
  windowMs = 2 * 3600_000,
): Promise<PaymentAttempt | null> {
  if (t.checkoutRequestId) {
    const a = await db.paymentAttempt.findFirst({
      where: { shopDomain: shop, checkoutRequestId: t.checkoutRequestId },
    });
    return a && isReceiptPending(a) ? a : null;
  }
  if (!t.msisdnTail || !t.at) return null;
  const candidates = await db.paymentAttempt.findMany({
    where: {
      shopDomain: shop,
      status: "SUCCEEDED",
      mpesaReceipt: null,
      receiptPendingSince: { not: null },
      amountKes: t.amountKes,
      createdAt: { gte: new Date(t.at.getTime() - windowMs), lte: new Date(t.at.getTime() + windowMs) },
    },
    take: 20,
  });
  const tail = t.msisdnTail.slice(-9);
  const hits = candidates.filter((a) => a.msisdn && a.msisdn.slice(-9) === tail && isReceiptPending(a));
  return hits.length === 1 ? hits[0] : null;
}

// ---- the Shopify writes ----

/**
 * Job `attach-receipt-in-shopify`: the found receipt onto the order recorded paid with receipt "pending".
 * Waits for the record job when the order is not recorded yet (that job then writes the real receipt
 * itself, and this one finds nothing to do). The receipt's claim (receipt-claims) makes it once.
 */
export async function attachReceiptInShopify(deps: RecordDeps, attemptId: string): Promise<void> {
  const attempt = await findAttempt(deps.db, attemptId);
  if (!attempt || !attempt.mpesaReceipt || !attempt.checkoutRequestId) return;
  if (attempt.status !== "SUCCEEDED" && attempt.status !== "NEEDS_REVIEW") return;
  if (!attempt.recordedInShopifyAt) {
    if (attempt.status !== "SUCCEEDED") return;
    throw new RetryLaterError("order not recorded in Shopify yet: the record job goes first", 5_000);
  }
  const receipt = attempt.mpesaReceipt;
  const settings = await deps.shopPaymentSettings(attempt.shopDomain);
  if (!settings) throw new ShopNotConfiguredError(attempt.shopDomain, "has no settings (uninstalled?)");
  const claim = await claimReceiptWrite(deps.db, receipt, deps.now(), deps.config.recordClaimMs);
  if (!claim.claimed) {
    if (claim.recorded) return;
    if (claim.missing) throw new AppError(`receipt ${receipt} has no ledger row: not attached`, { kind: "final" });
    throw new RetryLaterError(
      `receipt ${receipt} is being written by another run`,
      claimBusyRetryMs(deps.config.recordClaimMs),
    );
  }
  const graphql = await deps.adminGraphql(attempt.shopDomain);
  let result;
  try {
    result = await attachMpesaReceipt(graphql, {
      orderGid: attempt.orderGid,
      receipt,
      checkoutRequestId: attempt.checkoutRequestId,
      ...(attempt.environment !== "production" ? { testPaymentNote: SANDBOX_NOTE } : {}),
    });
  } catch (error) {
    if (kindOf(error) !== "unknown-outcome") await releaseReceiptClaim(deps.db, receipt, claim.token);
    throw error;
  }
  await receiptRecorded(deps.db, receipt, claim.token, deps.now());
  logger.info({ attemptId, writes: result.writes }, "receipt attached to the order recorded with receipt pending");
}
