// The one refund state machine (docs/REFUNDS.md): every change of an MpesaRefund's state, whatever
// the evidence (the merchant, Daraja's acknowledgement, a result, a queue time-out, a Transaction
// Status answer, Shopify), is decided here. Pure: the caller applies the answer with a conditional
// update on the state it read (refunds/repository.server.ts), so duplicates, late and reordered
// events and concurrent workers change nothing after the first.
//
// Exactly once rests on three rules:
// - one idempotency key per refund, stored with the row before any Daraja call (B2C
//   OriginatorConversationID; a Reversal can only ever reverse a receipt once);
// - nothing is sent again unless M-PESA said it never heard of the request (Transaction Status "not
//   found", or the request provably never left this process): a time-out is an unknown outcome;
// - money that went out is never dropped: a success after any other answer wins.

export const REFUND_STATES = [
  "PENDING_APPROVAL", // created (Shopify refund, review, merchant); nothing moves until approved
  "APPROVED", // may be sent, with the refund's one key (a B2C first checks the utility balance)
  "SENDING", // claimed by one run, which is calling Daraja now
  "SENT", // Daraja acknowledged; the result comes on ResultURL
  "UNKNOWN", // no answer, or a queue time-out: settled by Transaction Status, never re-sent blindly
  "SUCCEEDED", // the money went out (ResultCode 0, or Transaction Status found it)
  "RECORDED_IN_SHOPIFY", // refundCreate written (only when the app moved money first)
  "FAILED", // M-PESA refused it for good: no money moved
  "MANUAL", // the merchant paid back outside the app and said so
  "CANCELLED", // the merchant dropped it before anything was sent
] as const;
export type RefundState = (typeof REFUND_STATES)[number];
export type RefundMethod = "REVERSAL" | "B2C" | "MANUAL";
// WEBHOOK: a Shopify refund (already in Shopify). ADMIN_ACTION: the merchant refunds a payment that
// is on the Shopify order (refundCreate after M-PESA's success). REVIEW: the merchant refunds a
// payment held for review, which was never recorded on the order: nothing to write in Shopify.
export type RefundOrigin = "WEBHOOK" | "ADMIN_ACTION" | "REVIEW";

/** How many requests one refund may make with its key before the merchant must look (docs/REFUNDS.md). */
export const MAX_SENDS = 3;

/** What the machine reads of a refund row. */
export interface RefundFacts {
  state: RefundState;
  method: RefundMethod;
  initiatedBy: RefundOrigin;
  /** Requests made so far (each one with the same key). */
  sendCount: number;
  /** ConversationID of the latest acknowledged request. */
  conversationId: string | null;
  /** M-PESA's queue timed a request of this refund out (QueueTimeOutURL). */
  queueTimedOut: boolean;
  /** False for a B2C refund whose recipient's full number is not known yet (the merchant types it). */
  recipientKnown?: boolean;
}

export type RefundEvent =
  | { type: "approve"; by: string; at: Date }
  | { type: "cancel"; by: string; at?: Date }
  | { type: "manual-done"; by: string; at: Date; note?: string }
  | { type: "balance-short"; availableKes: number; neededKes: number }
  /** One run claims the send (first one, or again with the same key after "not found"). */
  | { type: "dispatch"; at: Date }
  /** The request provably never reached Daraja (connection refused, validation before sending). */
  | { type: "not-sent"; reason: string }
  | { type: "sent"; conversationId: string; originatorConversationId: string; at: Date }
  /** Sent, no answer: the outcome is unknown. */
  | { type: "ack-timeout" }
  /** Daraja refused the request in its acknowledgement. */
  | { type: "ack-rejected"; code: string; desc: string }
  /** B2C: "Duplicate OriginatorConversationID" — an earlier request with this key reached Daraja. */
  | { type: "ack-duplicate" }
  | { type: "result-success"; transactionId: string; at: Date }
  | { type: "result-failure"; code: string; desc: string; conversationId: string | null; at: Date }
  /** Reversal R000001: the receipt was already reversed — the money is back with the customer. */
  | { type: "already-reversed"; desc: string; at: Date }
  | { type: "queue-timeout"; at: Date }
  /** Acknowledged long ago and no result came: ask Transaction Status. */
  | { type: "result-overdue" }
  | { type: "status-found"; transactionId: string; at: Date }
  | { type: "status-not-found"; desc: string }
  | { type: "shopify-recorded"; refundGid: string; at: Date };

/** What the caller must do after writing the new state (each in the same transaction or as a job). */
export type RefundEffect =
  | "send" // enqueue the send job
  | "query-status" // enqueue the settle-by-Transaction-Status job
  | "record-in-shopify" // enqueue refundCreate (only for refunds the app started)
  | "note-on-order" // enqueue writing M-PESA's transaction id on the order (refunds made in the Shopify admin)
  | "release" // give the shillings back to the receipt's refundable remainder
  | "reserve-again"; // money went out after all: take them again (a late success after FAILED)

export interface RefundPatch {
  approvedBy?: string;
  approvedAt?: Date;
  conversationId?: string;
  originatorConversationId?: string;
  resultCode?: string;
  resultDesc?: string;
  mpesaTransactionId?: string;
  shopifyRefundGid?: string;
  note?: string | null;
  sendCount?: number;
  sentAt?: Date;
  queueTimedOutAt?: Date;
  settledAt?: Date;
  recordedAt?: Date;
}

export type Transition =
  | { applied: true; state: RefundState; patch: RefundPatch; effects: RefundEffect[] }
  | { applied: false; reason: string };

const MONEY_OUT: RefundState[] = ["SUCCEEDED", "RECORDED_IN_SHOPIFY"];
const IN_FLIGHT: RefundState[] = ["SENDING", "SENT", "UNKNOWN"];

const to = (state: RefundState, patch: RefundPatch = {}, effects: RefundEffect[] = []): Transition => ({
  applied: true,
  state,
  patch,
  effects,
});
const stay = (reason: string): Transition => ({ applied: false, reason });

export function transition(r: RefundFacts, e: RefundEvent): Transition {
  switch (e.type) {
    case "approve":
      if (r.state !== "PENDING_APPROVAL") return stay(`already ${r.state}`);
      if (r.method === "MANUAL") return stay("a manual refund is paid back outside the app, then marked done");
      if (r.method === "B2C" && r.recipientKnown === false)
        return stay("the customer's full M-PESA number is needed before it can be sent");
      return to("APPROVED", { approvedBy: e.by, approvedAt: e.at, note: null }, ["send"]);

    case "cancel":
      if (r.state !== "PENDING_APPROVAL" || r.sendCount > 0) return stay(`cannot cancel a refund that is ${r.state}`);
      return to("CANCELLED", { note: `cancelled by ${e.by}`, ...(e.at ? { settledAt: e.at } : {}) }, ["release"]);

    case "manual-done":
      // Once a request has left, M-PESA may still pay: paying outside too would pay back twice.
      if (r.state !== "PENDING_APPROVAL" || r.sendCount > 0)
        return stay(`cannot mark a ${r.state} refund done by hand`);
      return to("MANUAL", {
        approvedBy: e.by,
        approvedAt: e.at,
        settledAt: e.at,
        ...(e.note ? { note: `paid back by hand: ${e.note}` } : {}),
      });

    case "balance-short":
      if (r.state !== "APPROVED") return stay(`balance answer while ${r.state}`);
      return to("PENDING_APPROVAL", {
        note:
          `The utility account has KES ${e.availableKes}; this refund needs KES ${e.neededKes}. ` +
          "Move funds to the utility account in the M-PESA org portal, then approve again.",
      });

    case "dispatch":
      if (r.state !== "APPROVED") return stay(`cannot send while ${r.state}`);
      if (r.sendCount >= MAX_SENDS) return stay("sent too often already");
      return to("SENDING", { sendCount: r.sendCount + 1, sentAt: e.at });

    case "not-sent":
      if (r.state !== "SENDING") return stay(`not-sent while ${r.state}`);
      // The claim's request never left: the count goes back; the send job retries itself (backoff).
      return to("APPROVED", { sendCount: Math.max(0, r.sendCount - 1), note: e.reason });

    case "sent":
      if (r.state === "SENDING") {
        return to("SENT", { conversationId: e.conversationId, originatorConversationId: e.originatorConversationId });
      }
      // The result raced its acknowledgement: keep the ids, the state already moved on.
      if (!r.conversationId)
        return to(r.state, {
          conversationId: e.conversationId,
          originatorConversationId: e.originatorConversationId,
        });
      return stay(`acknowledgement while ${r.state}`);

    case "ack-timeout":
      if (r.state !== "SENDING") return stay(`time-out while ${r.state}`);
      return to("UNKNOWN", { note: "Daraja did not answer; asking M-PESA whether it was paid" }, ["query-status"]);

    case "ack-duplicate":
      if (r.state !== "SENDING") return stay(`duplicate answer while ${r.state}`);
      return to("UNKNOWN", { note: "an earlier request with this key reached M-PESA; asking its status" }, [
        "query-status",
      ]);

    case "ack-rejected":
      if (r.state !== "SENDING") return stay(`rejection while ${r.state}`);
      // Only the first request's refusal is final: an earlier one may still be in M-PESA's queue.
      if (r.sendCount > 1) return to("UNKNOWN", { resultCode: e.code, resultDesc: e.desc }, ["query-status"]);
      return to("FAILED", { resultCode: e.code, resultDesc: e.desc, note: null }, ["release"]);

    case "result-success":
    case "status-found":
      return moneyWentOut(r, { mpesaTransactionId: e.transactionId, settledAt: e.at, resultCode: "0" });

    case "already-reversed":
      if (r.method !== "REVERSAL") return stay("already-reversed answers only a reversal");
      return moneyWentOut(r, { settledAt: e.at, resultCode: "R000001", resultDesc: e.desc });

    case "result-failure": {
      if (MONEY_OUT.includes(r.state) || ["FAILED", "MANUAL", "CANCELLED"].includes(r.state))
        return stay(`failure result while ${r.state}`);
      if (r.sendCount === 0) return stay("result for a refund never sent");
      // Final when only one request exists, or (B2C) when it answers the latest request Daraja
      // accepted: accepting a request with the key proves no earlier one reached M-PESA.
      const definitive =
        r.sendCount === 1 ||
        (r.method === "B2C" && !!e.conversationId && e.conversationId === r.conversationId && r.state === "SENT");
      if (!definitive) return to("UNKNOWN", { resultCode: e.code, resultDesc: e.desc }, ["query-status"]);
      return to("FAILED", { resultCode: e.code, resultDesc: e.desc, settledAt: e.at, note: null }, ["release"]);
    }

    case "queue-timeout":
      if (r.state !== "SENT" && r.state !== "SENDING") return stay(`queue time-out while ${r.state}`);
      return to("UNKNOWN", { note: "M-PESA's queue timed the request out; asking its status", queueTimedOutAt: e.at }, [
        "query-status",
      ]);

    case "result-overdue":
      if (r.state !== "SENT") return stay(`overdue while ${r.state}`);
      return to("UNKNOWN", { note: "no result from M-PESA yet; asking its status" }, ["query-status"]);

    case "status-not-found":
      if (r.state !== "UNKNOWN") return stay(`status answer while ${r.state}`);
      // A request that expired in M-PESA's queue and of which M-PESA has no record paid nothing. For
      // B2C that is final (Daraja accepted the request, so no earlier one with its key reached it);
      // for a Reversal only when it was the one request (an earlier one may still be queued).
      if (r.queueTimedOut && (r.method === "B2C" || r.sendCount === 1))
        return to(
          "FAILED",
          { resultCode: "QUEUE_TIMEOUT", resultDesc: `timed out in M-PESA's queue; ${e.desc}`, note: null },
          ["release"],
        );
      if (r.sendCount >= MAX_SENDS) {
        return to("UNKNOWN", {
          note:
            `M-PESA has no record of this refund after ${r.sendCount} requests (${e.desc}). ` +
            "Check the org portal statement before doing anything else.",
        });
      }
      // M-PESA never heard of it: sending again with the same key cannot pay twice.
      return to("APPROVED", { note: `M-PESA has no record of it (${e.desc}); sending again with the same key` }, [
        "send",
      ]);

    case "shopify-recorded":
      if (r.state !== "SUCCEEDED") return stay(`recorded while ${r.state}`);
      return to("RECORDED_IN_SHOPIFY", { shopifyRefundGid: e.refundGid, recordedAt: e.at });
  }
}

function moneyWentOut(r: RefundFacts, patch: RefundPatch): Transition {
  if (MONEY_OUT.includes(r.state)) return stay(`already ${r.state}`);
  if (r.state === "MANUAL" || r.sendCount === 0) return stay(`success for a refund never sent (${r.state})`);
  const effects: RefundEffect[] = [];
  if (r.state === "FAILED" || r.state === "CANCELLED") effects.push("reserve-again");
  if (r.initiatedBy === "ADMIN_ACTION") effects.push("record-in-shopify");
  if (r.initiatedBy === "WEBHOOK") effects.push("note-on-order");
  return to("SUCCEEDED", { ...patch, note: r.state === "FAILED" ? "paid after all (a late success)" : null }, effects);
}

/** States in which a request may still be on its way or in M-PESA's hands. */
export const isInFlight = (state: RefundState) => IN_FLIGHT.includes(state);
/** States whose shillings no longer count against the receipt's refundable remainder. */
export const releasesReservation = (state: RefundState) => state === "FAILED" || state === "CANCELLED";
