import { kindOf } from "../../lib/errors";
import { logger } from "../../lib/logger.server";
import { enqueueJob } from "../jobs/queue.server";
import { RECOVER_PENDING_ATTEMPT } from "./job-types";
import { RetryLaterError, type JobContext } from "../jobs/handlers";
import { statusForResultCode } from "./attempt-status";
import { findAttempt, recoverDedupeKey, stalePendingAttempts } from "./attempts.server";
import type { PaymentsConfig, PaymentsDeps } from "./deps.server";
import { requireShopConfig } from "./shop-config.server";
import { holdsUntilReceiptKnown } from "./receipt-policy.server";
import { settleAttempt, type Verdict } from "./settle.server";

// Missed callbacks (Daraja never re-sends one). An attempt still PENDING after
// PENDING_RECOVERY_AFTER_SECONDS gets one `recover-pending-attempt` job that asks STK Push Query,
// every PENDING_RECOVERY_INTERVAL_SECONDS, at most PENDING_RECOVERY_MAX_QUERIES times. A final
// answer goes through the same settleAttempt path as a callback, with evidence "query".
//
// Rules where the query cannot tell the whole story:
//   - query says paid (0): the money is confirmed for this CheckoutRequestID and its amount, but the
//     query never carries the receipt. By default the attempt is SUCCEEDED with its receipt pending
//     (receiptPendingSince): the order is recorded paid with receipt "pending" (reference = the
//     CheckoutRequestID) and the receipt is attached when a late callback, Pull Transactions or the
//     statement import finds it (receipt-pending.server.ts). A shop that set holdUntilReceiptKnown
//     keeps the cautious rule: NEEDS_REVIEW "RECEIPT_UNKNOWN" until a callback brings the receipt.
//   - still "being processed" after the last query, or the query cannot be asked any more (final
//     error, e.g. credentials refused, or the last query failed): unknown -> NEEDS_REVIEW, never guessed.
//   - no CheckoutRequestID (the push timed out and no callback came): nothing to query and no sign a
//     prompt reached the phone -> TIMED_OUT; a late success callback would still go to review.

export type RecoveryDeps = Pick<PaymentsDeps, "db" | "now" | "shopConfig" | "daraja"> & {
  config: Pick<PaymentsConfig, "recoveryAfterMs" | "recoveryIntervalMs" | "recoveryMaxQueries">;
};

export async function sweepStalePending(deps: Pick<RecoveryDeps, "db" | "now" | "config">): Promise<number> {
  const stale = await stalePendingAttempts(deps.db, new Date(deps.now().getTime() - deps.config.recoveryAfterMs));
  for (const a of stale) {
    await enqueueJob(deps.db, {
      type: RECOVER_PENDING_ATTEMPT,
      payload: { attemptId: a.id },
      dedupeKey: recoverDedupeKey(a.id), // the sweep only sees attempts without one; a race with another instance conflicts harmlessly
      shopDomain: a.shopDomain,
      // The job settles the attempt by its last query at the latest; the margin is never used.
      maxAttempts: deps.config.recoveryMaxQueries + 5,
    });
  }
  return stale.length;
}

export async function recoverPendingAttempt(deps: RecoveryDeps, attemptId: string, ctx: Pick<JobContext, "attempt">) {
  const attempt = await findAttempt(deps.db, attemptId);
  if (!attempt || attempt.status !== "PENDING") return;
  const settle = (verdict: Verdict, resultCode: string | null, resultDesc: string) =>
    settleAttempt(
      deps,
      attempt.id,
      {
        source: "query",
        checkoutRequestId: attempt.checkoutRequestId,
        resultCode,
        resultDesc,
        // The query confirms this request, for the amount it asked.
        ...("receiptPending" in verdict ? { amount: attempt.amountKes } : {}),
      },
      verdict,
    );
  if (!attempt.checkoutRequestId) {
    await settle({ status: "TIMED_OUT" }, null, "No answer to the STK push and no callback received");
    return;
  }
  const lastQuery = ctx.attempt >= deps.config.recoveryMaxQueries;
  let askAgain = !lastQuery;
  let answer;
  try {
    const config = await requireShopConfig(deps, attempt.shopDomain, attempt.mpesaAccountId);
    answer = await deps.daraja(config).stkQuery({
      businessShortCode: config.businessShortCode,
      passkey: config.passkey,
      checkoutRequestId: attempt.checkoutRequestId,
    });
  } catch (error) {
    // Retrying is the runner's decision, by the error's kind; only when no query can follow does
    // the outcome stay unknown — and then a person must look.
    if (!lastQuery && kindOf(error) !== "final") throw error;
    askAgain = false;
    logger.warn({ attemptId, err: String(error) }, "recovery: no further STK query possible");
    answer = { state: "pending" as const };
  }
  if (answer.state === "pending") {
    if (askAgain) throw new RetryLaterError("STK query: still being processed", deps.config.recoveryIntervalMs);
    const detail = `still unresolved after ${ctx.attempt} STK queries`;
    await settle(
      { status: "NEEDS_REVIEW", reviewCode: "UNKNOWN_AFTER_QUERIES", reviewDetail: detail, receiptTrusted: false },
      null,
      "Outcome unknown",
    );
    return;
  }
  const status = statusForResultCode(answer.resultCode);
  const verdict: Verdict =
    status !== "SUCCEEDED"
      ? { status }
      : (await holdsUntilReceiptKnown(deps.db, attempt.shopDomain))
        ? {
            status: "NEEDS_REVIEW",
            reviewCode: "RECEIPT_UNKNOWN",
            reviewDetail:
              "paid per STK query, receipt unknown (the shop holds such payments until the receipt is known)",
            receiptTrusted: false,
          }
        : { status: "SUCCEEDED", receiptPending: true };
  await settle(verdict, answer.resultCode, answer.resultDesc);
}
