import { AppError, kindOf, ShopNotConfiguredError } from "../../lib/errors";
import { logger } from "../../lib/logger.server";
import { RetryLaterError } from "../jobs/handlers";
import { isDevelopmentStore, PENDING_RECEIPT, recordMpesaPayment } from "../shopify/orders.server";
import { maskMsisdn } from "../../lib/phone-mask";
import { enqueueNeedsReview, enqueuePaymentReceived } from "../flow/fire.server";
import { findAttempt, holdPaidAttemptForReview, markRecordedInShopify } from "./attempts.server";
import { reviewGuidance } from "./dashboard/review-guidance";
import type { PaymentsConfig, PaymentsDeps } from "./deps.server";
import {
  claimBusyRetryMs,
  claimPendingWrite,
  claimReceiptWrite,
  receiptRecorded,
  releasePendingClaim,
  releaseReceiptClaim,
} from "./receipt-claims.server";

// Job `record-payment-in-shopify` (enqueued with the SUCCEEDED transition): mark the order paid with
// the receipt. Failures carry their own kind (app/lib/errors.ts) and the job runner decides what
// follows: Shopify throttling or down -> retried (after Shopify's own delay when it names one);
// refused -> dead-letter. "Already paid" counts as done, so a re-run after a crash is harmless, and
// the per-receipt claim keeps two overlapping runs from writing the payment twice (issue 9, M7).
// Reads only the non-secret settings: a key problem never delays recording money already taken.
//
// Daraja sandbox money (the shop's settings are on the sandbox environment) is recorded as a test
// payment — tag "mpesa-test" and a metafield note — and only on a development store, unless the
// merchant allowed it in settings; otherwise the attempt goes to review, nothing written (issue 9, M8).

export type RecordDeps = Pick<PaymentsDeps, "db" | "now" | "shopPaymentSettings" | "adminGraphql"> & {
  config: Pick<PaymentsConfig, "recordClaimMs">;
};

export const SANDBOX_NOTE = "Daraja sandbox payment: test money, no real M-PESA shillings were received.";

export async function recordPaymentInShopify(deps: RecordDeps, attemptId: string): Promise<void> {
  const attempt = await findAttempt(deps.db, attemptId);
  if (!attempt || attempt.recordedInShopifyAt || attempt.status !== "SUCCEEDED") return;
  // Paid per STK query, receipt not known yet: recorded with receipt "pending" (receipt-pending.server.ts).
  if (!attempt.mpesaReceipt && !(attempt.receiptPendingSince && attempt.checkoutRequestId)) return;
  const receipt = attempt.mpesaReceipt ?? PENDING_RECEIPT;
  const settings = await deps.shopPaymentSettings(attempt.shopDomain);
  if (!settings) throw new ShopNotConfiguredError(attempt.shopDomain, "has no settings (uninstalled?)");
  const log = logger.child({ attemptId, shop: attempt.shopDomain });
  const graphql = await deps.adminGraphql(attempt.shopDomain);

  const sandboxMoney = attempt.environment !== "production";
  if (sandboxMoney && !settings.allowSandboxOnLiveStore && !(await isDevelopmentStore(graphql))) {
    const held = await deps.db.$transaction(async (tx) => {
      const moved = await holdPaidAttemptForReview(
        tx,
        attempt.id,
        "SANDBOX_ON_LIVE_STORE",
        "Daraja sandbox payment on a store that is not a development store: the order was not marked paid",
      );
      if (moved)
        await enqueueNeedsReview(tx, attempt.shopDomain, attempt.id, {
          orderGid: attempt.orderGid,
          receipt,
          amountKes: attempt.paidAmountKes ?? attempt.amountKes,
          reviewCode: "SANDBOX_ON_LIVE_STORE",
          reason: reviewGuidance("SANDBOX_ON_LIVE_STORE").summary,
        });
      return moved;
    });
    if (held) log.warn("sandbox payment on a live store: not recorded in Shopify, sent to review");
    return;
  }

  const claim =
    receipt === PENDING_RECEIPT
      ? await claimPendingWrite(deps.db, attempt.id, deps.now(), deps.config.recordClaimMs)
      : await claimReceiptWrite(deps.db, receipt, deps.now(), deps.config.recordClaimMs);
  if (!claim.claimed) {
    if (claim.recorded) return recorded(deps, attempt, receipt, deps.now());
    // settleAttempt writes the ledger row with every SUCCEEDED transition: its absence is a bug to look at.
    if (claim.missing) throw new AppError(`receipt ${receipt} has no ledger row: not recorded`, { kind: "final" });
    // Another run is writing this receipt right now: look again once its claim has run out.
    throw new RetryLaterError(
      `receipt ${receipt} is being recorded by another run`,
      claimBusyRetryMs(deps.config.recordClaimMs),
    );
  }
  let result;
  try {
    result = await recordMpesaPayment(graphql, {
      orderGid: attempt.orderGid,
      amountKes: attempt.amountKes,
      receipt,
      checkoutRequestId: attempt.checkoutRequestId,
      paymentMethodName: settings.paymentMethodName,
      processedAt: attempt.transactionDate ?? attempt.completedAt ?? deps.now(),
      ...(sandboxMoney ? { testPaymentNote: SANDBOX_NOTE } : {}),
    });
  } catch (error) {
    // A call that may still land (timed out) keeps the claim until it runs out; otherwise give it back.
    if (kindOf(error) !== "unknown-outcome")
      await (receipt === PENDING_RECEIPT
        ? releasePendingClaim(deps.db, attempt.id, claim.token)
        : releaseReceiptClaim(deps.db, receipt, claim.token));
    if (error instanceof AppError && error.kind === "final")
      log.error({ err: error.message }, "Shopify refused to record the payment");
    throw error;
  }
  if (result.existingReceipt && result.existingReceipt !== receipt) {
    log.error(
      { existingReceipt: result.existingReceipt },
      "order already carried another M-PESA receipt: check for a double payment",
    );
  }
  log.info({ outcome: result.outcome, test: sandboxMoney }, "payment recorded in Shopify");
  const now = deps.now();
  if (receipt !== PENDING_RECEIPT) await receiptRecorded(deps.db, receipt, claim.token, now);
  await recorded(deps, attempt, receipt, now);
}

/** The attempt is on the Shopify order: so noted, and the "M-PESA payment received" Flow trigger queued, at once. */
async function recorded(
  deps: RecordDeps,
  attempt: NonNullable<Awaited<ReturnType<typeof findAttempt>>>,
  receipt: string,
  now: Date,
): Promise<void> {
  await deps.db.$transaction(async (tx) => {
    if (!(await markRecordedInShopify(tx, attempt, now))) return;
    await enqueuePaymentReceived(tx, attempt.shopDomain, {
      orderGid: attempt.orderGid,
      receipt,
      amountKes: attempt.paidAmountKes ?? attempt.amountKes,
      channel: "STK",
      phoneMasked: attempt.msisdn ? maskMsisdn(attempt.msisdn) : null,
      dedupeRef: receipt === PENDING_RECEIPT ? `attempt:${attempt.id}` : undefined,
    });
  });
}
