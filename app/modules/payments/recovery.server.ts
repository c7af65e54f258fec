import { logger } from "../../lib/logger.server";
import { enqueueJob } from "../jobs/queue.server";
import { RetryLaterError, type JobContext } from "../jobs/handlers";
import { RECEIPT_UNKNOWN, statusForResultCode } from "./attempt-status";
import type { PaymentsDeps } from "./deps.server";
import { settleAttempt, type Verdict } from "./settle.server";

// Missed callbacks (Daraja never re-sends one). An attempt still PENDING after
// PENDING_RECOVERY_AFTER_SECONDS gets one `recover-pending-attempt` job that asks STK Push Query,
// every PENDING_RECOVERY_INTERVAL_SECONDS, at most PENDING_RECOVERY_MAX_QUERIES times. A final
// answer goes through the same settleAttempt path as a callback, with evidence "query".
//
// Rules where the query cannot tell the whole story:
//   - query says paid (0): the query never carries the receipt, and Shopify must get one, so the
//     attempt goes to NEEDS_REVIEW "RECEIPT_UNKNOWN"; a success callback that arrives later with the
//     receipt completes it to SUCCEEDED (and records it in Shopify).
//   - still "being processed" after the last query: unknown -> NEEDS_REVIEW, never guessed.
//   - no CheckoutRequestID (the push timed out and no callback came): nothing to query and no sign a
//     prompt reached the phone -> TIMED_OUT; a late success callback would still go to review.

export async function sweepStalePending(deps: PaymentsDeps): Promise<number> {
  const cutoff = new Date(deps.now().getTime() - deps.config.recoveryAfterMs);
  const stale = await deps.db.paymentAttempt.findMany({
    where: { status: "PENDING", createdAt: { lte: cutoff } },
    select: { id: true, shopDomain: true },
    take: 200,
  });
  for (const a of stale) {
    await enqueueJob(deps.db, {
      type: "recover-pending-attempt",
      payload: { attemptId: a.id },
      dedupeKey: `recover:${a.id}`,
      shopDomain: a.shopDomain,
      maxAttempts: deps.config.recoveryMaxQueries + 5,
    });
  }
  return stale.length;
}

export async function recoverPendingAttempt(deps: PaymentsDeps, attemptId: string, ctx: Pick<JobContext, "attempt">) {
  const attempt = await deps.db.paymentAttempt.findUnique({ where: { id: attemptId } });
  if (!attempt || attempt.status !== "PENDING") return;
  const settle = (verdict: Verdict, resultCode: string | null, resultDesc: string) =>
    settleAttempt(deps, attempt.id, { source: "query", checkoutRequestId: attempt.checkoutRequestId, resultCode, resultDesc }, verdict);
  if (!attempt.checkoutRequestId) {
    await settle({ status: "TIMED_OUT" }, null, "No answer to the STK push and no callback received");
    return;
  }
  const lastQuery = ctx.attempt >= deps.config.recoveryMaxQueries;
  let answer;
  try {
    const config = await deps.shopConfig(attempt.shopDomain);
    if (!config) throw new Error("shop has no Daraja settings");
    answer = await deps.daraja(config).stkQuery({
      businessShortCode: config.businessShortCode,
      passkey: config.passkey,
      checkoutRequestId: attempt.checkoutRequestId,
    });
  } catch (error) {
    if (!lastQuery) throw new RetryLaterError(`STK query failed: ${String(error)}`, deps.config.recoveryIntervalMs);
    logger.warn({ attemptId, err: String(error) }, "recovery: last STK query failed");
    answer = { state: "pending" as const };
  }
  if (answer.state === "pending") {
    if (!lastQuery) throw new RetryLaterError("STK query: still being processed", deps.config.recoveryIntervalMs);
    const reason = `UNKNOWN_AFTER_QUERIES: still unresolved after ${ctx.attempt} STK queries`;
    await settle({ status: "NEEDS_REVIEW", reviewReason: reason, receiptTrusted: false }, null, "Outcome unknown");
    return;
  }
  const status = statusForResultCode(answer.resultCode);
  const verdict: Verdict =
    status === "SUCCEEDED"
      ? { status: "NEEDS_REVIEW", reviewReason: `${RECEIPT_UNKNOWN}: paid per STK query, receipt unknown`, receiptTrusted: false }
      : { status };
  await settle(verdict, answer.resultCode, answer.resultDesc);
}
