import type { PaymentAttempt } from "@prisma/client";
import { logger } from "../../../lib/logger.server";
import { parseStkCallback, type StkCallback } from "../../daraja";
import { RetryLaterError } from "../../jobs/handlers";
import { statusForResultCode } from "../../payments/attempt-status";
import { getAttempt } from "../../payments/attempts.server";
import type { PaymentsConfig, PaymentsDeps } from "../../payments/deps.server";
import { requireShopConfig } from "../../payments/shop-config.server";
import { verifiesWithQuery } from "../../payments/verification";
import { settleAttempt, type Evidence, type Verdict } from "../../payments/settle.server";
import { attachFoundReceipt, isReceiptPending } from "../../payments/receipt-pending.server";

// Apply step (work type `process-stk-callback`): apply one stored callback to its attempt. Safe to run any number of
// times: a processed row is skipped, and settleAttempt only moves an attempt out of PENDING once.

export type ApplyCallbackDeps = Pick<PaymentsDeps, "db" | "now" | "shopConfig" | "daraja"> & {
  config: Pick<
    PaymentsConfig,
    "verifyWithQuery" | "darajaTimeoutMs" | "stkAnswerGraceMs" | "stkAnswerWaitMs" | "recoveryIntervalMs"
  >;
};

/** Closing the row releases its claim in the same write (the worker's release then matches nothing). */
const RELEASED = { lockedBy: null, lockedUntil: null };

export async function applyStkCallback(deps: ApplyCallbackDeps, callbackLogId: string): Promise<void> {
  const row = await deps.db.callbackLog.findUnique({ where: { id: callbackLogId } });
  if (!row || row.status !== "RECEIVED" || !row.attemptId) return;
  const attempt = await getAttempt(deps.db, row.attemptId);
  const cb = parseStkCallback(JSON.parse(row.body));
  const ignore = (reason: string) =>
    deps.db.callbackLog.update({
      where: { id: row.id },
      data: { status: "IGNORED", error: reason, processedAt: deps.now(), ...RELEASED },
    });

  // Keyed by token, so it may belong to a push whose answer we have not stored yet (the callback
  // raced the STK response). Give the push a moment; if it never answered, the query decides.
  let adopting = false;
  if (!attempt.checkoutRequestId) {
    const inFlight =
      !attempt.failureStage &&
      deps.now().getTime() - attempt.createdAt.getTime() < deps.config.darajaTimeoutMs + deps.config.stkAnswerGraceMs;
    if (inFlight && attempt.status === "PENDING")
      throw new RetryLaterError("STK push answer not stored yet", deps.config.stkAnswerWaitMs);
    adopting = true;
  } else if (attempt.checkoutRequestId !== cb.checkoutRequestId) {
    logger.warn(
      { attemptId: attempt.id },
      "STK callback CheckoutRequestID does not match its token's attempt; ignored",
    );
    await ignore("CheckoutRequestID does not match the attempt this token belongs to");
    return;
  }
  // Replays and duplicates of a settled attempt cannot change it (see settle.server.ts): skip the
  // verification query rather than spend Daraja's rate limit on 50 copies of one callback.
  if (isReceiptPending(attempt)) return applyToReceiptPending(deps, attempt, cb, row.id);
  const upgradable =
    attempt.status === "PENDING" ||
    (cb.resultCode === "0" &&
      (["CANCELLED", "TIMED_OUT", "FAILED"].includes(attempt.status) || attempt.reviewCode === "RECEIPT_UNKNOWN"));
  if (!upgradable) {
    await deps.db.callbackLog.update({
      where: { id: row.id },
      data: {
        status: "PROCESSED",
        processedAt: deps.now(),
        error: `no change: attempt already ${attempt.status}`,
        ...RELEASED,
      },
    });
    return;
  }
  const evidence: Evidence = {
    source: "callback",
    checkoutRequestId: cb.checkoutRequestId,
    resultCode: cb.resultCode,
    resultDesc: cb.resultDesc,
    amount: cb.amount,
    receipt: cb.mpesaReceiptNumber,
    transactionDate: cb.transactionDate,
  };
  const verdict = await judge(deps, attempt, cb, adopting);
  await settleAttempt(deps, attempt.id, evidence, verdict, { callbackLogId: row.id });
}

/**
 * What the callback proves, after the checks money needs: query confirmation (of every outcome where
 * the shop verifies with query: a forged "cancelled" must not end a paid attempt — issue 9, L1) and
 * the amount. A success always carries a receipt here: the parser refuses a success body without one.
 */
async function judge(
  deps: ApplyCallbackDeps,
  attempt: PaymentAttempt,
  cb: StkCallback,
  adopting: boolean,
): Promise<Verdict> {
  const claimed = statusForResultCode(cb.resultCode);
  const mustQuery = adopting || verifiesWithQuery(deps.config.verifyWithQuery, attempt.environment);
  if (claimed !== "SUCCEEDED" && !mustQuery) return { status: claimed };
  if (mustQuery) {
    const config = await requireShopConfig(deps, attempt.shopDomain, attempt.mpesaAccountId);
    const answer = await deps.daraja(config).stkQuery({
      businessShortCode: config.businessShortCode,
      passkey: config.passkey,
      checkoutRequestId: cb.checkoutRequestId,
    });
    if (answer.state === "pending")
      throw new RetryLaterError("STK query: still being processed", deps.config.recoveryIntervalMs);
    const confirmed = statusForResultCode(answer.resultCode);
    if (claimed === "SUCCEEDED" && confirmed !== "SUCCEEDED") {
      return {
        status: "NEEDS_REVIEW",
        reviewCode: "QUERY_CONTRADICTS",
        reviewDetail: `callback says paid, STK query says ${answer.resultCode} ${answer.resultDesc}`,
        receiptTrusted: false,
      };
    }
    if (claimed !== "SUCCEEDED") {
      return confirmed === "SUCCEEDED"
        ? {
            status: "NEEDS_REVIEW",
            reviewCode: "RECEIPT_UNKNOWN",
            reviewDetail: `callback says ${cb.resultCode}, STK query says paid`,
            receiptTrusted: false,
          }
        : { status: confirmed };
    }
  }
  if ((cb.amount ?? 0) < attempt.amountKes) {
    return {
      status: "NEEDS_REVIEW",
      reviewCode: "AMOUNT_SHORT",
      reviewDetail: `paid KES ${cb.amount ?? "unknown"}, expected KES ${attempt.amountKes}`,
      receiptTrusted: true,
    };
  }
  return { status: "SUCCEEDED" };
}

/**
 * A late callback of an attempt already SUCCEEDED on STK query's word with its receipt pending: a success
 * brings the receipt (attached once, amount checked); a failure contradicts the query that said paid,
 * and a person must look (the order was recorded paid): NEEDS_REVIEW QUERY_CONTRADICTS.
 */
async function applyToReceiptPending(deps: ApplyCallbackDeps, attempt: PaymentAttempt, cb: StkCallback, rowId: string) {
  const close = (tx: Pick<typeof deps.db, "callbackLog">, note: string) =>
    tx.callbackLog.update({
      where: { id: rowId },
      data: { status: "PROCESSED", processedAt: deps.now(), error: note.slice(0, 500), ...RELEASED },
    });
  if (cb.resultCode === "0" && cb.mpesaReceiptNumber) {
    const outcome = await attachFoundReceipt(
      deps,
      attempt.id,
      {
        receipt: cb.mpesaReceiptNumber,
        amountKes: Math.floor(cb.amount ?? 0),
        transactionDate: cb.transactionDate ?? null,
        foundBy: "callback",
      },
      { onDone: (tx, note) => close(tx, note).then(() => undefined) },
    );
    if (outcome.kind === "not_pending" || outcome.kind === "conflict")
      await close(
        deps.db,
        outcome.kind === "conflict" ? outcome.detail : `no change: attempt already ${attempt.status}`,
      );
    return;
  }
  const detail = `recorded paid on STK query's word; a callback then said ${cb.resultCode} ${cb.resultDesc}`;
  await deps.db.$transaction(async (tx) => {
    await tx.paymentAttempt.updateMany({
      where: { id: attempt.id, status: "SUCCEEDED", mpesaReceipt: null },
      data: { status: "NEEDS_REVIEW", reviewCode: "QUERY_CONTRADICTS", reviewDetail: detail.slice(0, 500) },
    });
    await close(tx, `QUERY_CONTRADICTS: ${detail}`);
  });
  logger.warn({ attemptId: attempt.id, resultCode: cb.resultCode }, "failure callback after a paid STK query: review");
}
