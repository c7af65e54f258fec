import type { MpesaRefund } from "@prisma/client";
import { kindOf, ShopNotConfiguredError } from "../../lib/errors";
import { logger } from "../../lib/logger.server";
import { DarajaError } from "../daraja";
import { RetryLaterError } from "../jobs/handlers";
import { enqueueJob } from "../jobs/queue.server";
import { refundUrls } from "./callback-token.server";
import type { RefundsDeps } from "./deps.server";
import { SETTLE_REFUND } from "./job-types";
import type { RefundAccount } from "./refund-account.server";
import { applyRefundEvent } from "./repository.server";

// Job `send-refund`: an APPROVED refund goes out, once. A B2C first asks Account Balance (the
// utility account pays B2C; the answer arrives on the refund's ResultURL and either sends this job
// again or puts the refund back before the merchant with the numbers). Then one run claims the send
// (APPROVED -> SENDING, conditional), and calls Daraja with the refund's one key. What the call
// says becomes one event for the state machine; a time-out is an unknown outcome, never a re-send.

/** Daraja's answer to a second B2C with the same OriginatorConversationID. */
const DUPLICATE_ORIGINATOR = "500.002.1001";

export async function sendRefund(deps: RefundsDeps, refundId: string): Promise<void> {
  const refund = await deps.db.mpesaRefund.findUnique({ where: { id: refundId } });
  if (!refund || refund.state !== "APPROVED") return;
  const account = await deps.refundAccount(refund.shopDomain);
  if (!account) throw new ShopNotConfiguredError(refund.shopDomain, "has no initiator to send refunds with");
  const client = deps.daraja(account);
  const now = deps.now();

  if (refund.method === "B2C" && !balanceChecked(refund)) {
    const askedAt = refund.balanceRequestedAt?.getTime() ?? 0;
    const waited = now.getTime() - askedAt;
    if (askedAt > (refund.approvedAt?.getTime() ?? 0) && waited < deps.config.queryWaitMs)
      throw new RetryLaterError("waiting for the Account Balance answer", deps.config.queryWaitMs - waited);
    await client.accountBalance({
      ...initiator(account),
      ...refundUrls(deps.config.callbackBaseUrl, refund.id, "balance"),
      partyA: account.shortCode,
      remarks: "Refund balance check",
    });
    await deps.db.mpesaRefund.updateMany({
      where: { id: refund.id, state: "APPROVED" },
      data: { balanceRequestedAt: now },
    });
    // The answer sends this job again at once; this run looks again if it never comes.
    throw new RetryLaterError("Account Balance asked; waiting for its answer", deps.config.queryWaitMs);
  }

  const claim = await applyRefundEvent(deps, refund.id, { type: "dispatch", at: now });
  if (!claim.applied) return;
  const log = logger.child({ refundId, shop: refund.shopDomain, method: refund.method });
  try {
    const ack = await call(deps, client, account, refund);
    await applyRefundEvent(deps, refund.id, {
      type: "sent",
      conversationId: ack.conversationId,
      originatorConversationId: ack.originatorConversationId || refund.idempotencyKey,
      at: deps.now(),
    });
    // If no result comes, this asks Transaction Status once REFUND_RESULT_WAIT_SECONDS have passed.
    await enqueueJob(deps.db, {
      type: SETTLE_REFUND,
      payload: { refundId },
      shopDomain: refund.shopDomain,
      runAt: new Date(deps.now().getTime() + deps.config.resultWaitMs),
    });
    log.info({ sendCount: claim.refund?.sendCount }, "refund sent to M-PESA");
  } catch (error) {
    const kind = kindOf(error);
    const code = error instanceof DarajaError ? (error.errorCode ?? "") : "";
    const message = (error as Error).message.slice(0, 300);
    if (code === DUPLICATE_ORIGINATOR) {
      await applyRefundEvent(deps, refund.id, { type: "ack-duplicate" });
    } else if (kind === "final") {
      log.warn({ code, message }, "Daraja refused the refund");
      await applyRefundEvent(deps, refund.id, { type: "ack-rejected", code: code || "REJECTED", desc: message });
    } else if (kind === "unknown-outcome") {
      log.warn({ message }, "refund sent, no answer: outcome unknown, asking Transaction Status");
      await applyRefundEvent(deps, refund.id, { type: "ack-timeout" });
    } else {
      // Nothing reached M-PESA (network, spike arrest): the claim goes back and this job retries.
      await applyRefundEvent(deps, refund.id, { type: "not-sent", reason: message });
      throw error;
    }
  }
}

const balanceChecked = (r: MpesaRefund) =>
  !!r.balanceCheckedAt && r.balanceCheckedAt.getTime() >= (r.approvedAt?.getTime() ?? 0);

const initiator = (a: RefundAccount) => ({ initiatorName: a.initiatorName, credential: a.credential });

async function call(deps: RefundsDeps, client: ReturnType<RefundsDeps["daraja"]>, a: RefundAccount, r: MpesaRefund) {
  if (r.method === "REVERSAL") {
    const receipt = await deps.db.mpesaReceipt.findUniqueOrThrow({ where: { receipt: r.receipt } });
    return client.reversal({
      ...initiator(a),
      ...refundUrls(deps.config.callbackBaseUrl, r.id, "reversal"),
      transactionId: r.receipt,
      amount: receipt.amountKes, // reversals are all-or-nothing: the original amount
      receiverParty: a.shortCode,
      remarks: r.idempotencyKey, // the key travels with the request (Reversal has no originator id of ours)
      occasion: "refund",
    });
  }
  return client.b2c({
    ...initiator(a),
    ...refundUrls(deps.config.callbackBaseUrl, r.id, "b2c"),
    originatorConversationId: r.idempotencyKey,
    commandId: "BusinessPayment",
    amount: r.amountKes,
    partyA: a.shortCode,
    phone: r.phone ?? "",
    remarks: `Refund of ${r.receipt}`,
    occasion: "refund",
  });
}
