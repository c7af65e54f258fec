import { ShopNotConfiguredError } from "../../lib/errors";
import { logger } from "../../lib/logger.server";
import { RetryLaterError } from "../jobs/handlers";
import { refundUrls } from "./callback-token.server";
import type { RefundsDeps } from "./deps.server";
import { applyRefundEvent } from "./repository.server";

// Job `settle-refund`: a refund whose outcome is unknown (no acknowledgement, a queue time-out, no
// result) is settled by Transaction Status — never by sending again blind. The answer arrives on
// the refund's ResultURL (op "status") and becomes "found" (money went out) or "not found" (M-PESA
// never heard of it: only then may the same key go out again). Also the watchdog of a SENT refund:
// no result after REFUND_RESULT_WAIT_SECONDS makes it UNKNOWN.

/** Status queries per refund before the merchant must look at the org portal statement. */
export const MAX_STATUS_QUERIES = 5;

export async function settleRefund(deps: RefundsDeps, refundId: string): Promise<void> {
  const refund = await deps.db.mpesaRefund.findUnique({ where: { id: refundId } });
  if (!refund) return;
  const now = deps.now();
  if (refund.state === "SENT") {
    const waited = now.getTime() - (refund.sentAt?.getTime() ?? 0);
    if (waited < deps.config.resultWaitMs)
      throw new RetryLaterError("waiting for the refund's result", deps.config.resultWaitMs - waited);
    await applyRefundEvent(deps, refund.id, { type: "result-overdue" });
    return;
  }
  if (refund.state !== "UNKNOWN") return;

  const asked = refund.statusQueriedAt?.getTime() ?? 0;
  if (asked > (refund.sentAt?.getTime() ?? 0) && now.getTime() - asked < deps.config.queryWaitMs)
    throw new RetryLaterError(
      "waiting for the Transaction Status answer",
      deps.config.queryWaitMs - (now.getTime() - asked),
    );
  if (refund.statusQueries >= MAX_STATUS_QUERIES) {
    await deps.db.mpesaRefund.updateMany({
      where: { id: refund.id, state: "UNKNOWN" },
      data: {
        note: `Transaction Status gave no answer after ${refund.statusQueries} queries: check the M-PESA org portal statement.`,
      },
    });
    logger.error({ alert: "refund_outcome_unknown", refundId }, "refund outcome still unknown after its queries");
    return;
  }

  // B2C: asked by our OriginatorConversationID. A Reversal has no id of ours: asked by the ids its
  // acknowledgement gave; without one there is nothing to ask about — and a receipt is reversed at
  // most once by M-PESA, so sending the same reversal again cannot pay twice ("not found" below).
  const conversation =
    refund.method === "B2C" ? refund.idempotencyKey : refund.originatorConversationId || refund.conversationId;
  if (!conversation) {
    await applyRefundEvent(deps, refund.id, {
      type: "status-not-found",
      desc: "no acknowledgement to ask about; M-PESA reverses a receipt at most once",
    });
    return;
  }
  const account = await deps.refundAccount(refund.shopDomain);
  if (!account) throw new ShopNotConfiguredError(refund.shopDomain, "has no initiator to ask Transaction Status with");
  await deps.daraja(account).transactionStatus({
    initiatorName: account.initiatorName,
    credential: account.credential,
    ...refundUrls(deps.config.callbackBaseUrl, refund.id, "status"),
    originalConversationId: conversation,
    partyA: account.shortCode,
    identifierType: "4",
    remarks: "Refund status",
    occasion: "refund",
  });
  await deps.db.mpesaRefund.updateMany({
    where: { id: refund.id, state: "UNKNOWN" },
    data: { statusQueries: { increment: 1 }, statusQueriedAt: now },
  });
  // The answer moves the refund on; if it never comes, this asks again.
  throw new RetryLaterError("Transaction Status asked; waiting for its answer", deps.config.queryWaitMs);
}
