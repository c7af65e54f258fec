import crypto from "node:crypto";
import type { MpesaRefund } from "@prisma/client";
import { maskMsisdn } from "../../lib/phone-mask";
import type { RefundsDeps } from "./deps.server";
import { applyRefundEvent } from "./repository.server";
import { requestRefund } from "./request.server";
import type { RefundEvent, RefundState } from "./transition";

// The merchant's refund actions on a payment's page: "Refund via M-PESA" (the click is the approval:
// the app moves the money first, Shopify is written after M-PESA's success), approve a refund that
// came from Shopify, cancel one not yet sent, mark one paid back by hand. Every action goes through
// the state machine, so a double click or a stale page changes nothing twice.

const LABELS: Record<RefundState, string> = {
  PENDING_APPROVAL: "Waiting for approval",
  APPROVED: "Approved, sending",
  SENDING: "Sending",
  SENT: "Sent, waiting for M-PESA",
  UNKNOWN: "Outcome unknown, asking M-PESA",
  SUCCEEDED: "Paid back",
  RECORDED_IN_SHOPIFY: "Paid back, recorded in Shopify",
  FAILED: "Failed",
  MANUAL: "Paid back by hand",
  CANCELLED: "Cancelled",
};

export interface RefundView {
  id: string;
  amountKes: number;
  method: string;
  state: string;
  stateLabel: string;
  note: string | null;
  phone: string | null;
  mpesaTransactionId: string | null;
  resultDesc: string | null;
  approvedBy: string | null;
  approvedAt: string | null;
  /** Who dropped it, or said it was paid back by hand, and when (null: neither). */
  closedAt: string | null;
  canApprove: boolean;
  canCancel: boolean;
  canMarkDone: boolean;
}

export interface RefundsPanel {
  receipt: string;
  receivedKes: number;
  refundableKes: number;
  refunds: RefundView[];
  /** The payment waits for review: it is refunded from the review's actions (the whole receipt). */
  reviewOpen: boolean;
  /** One per page view: the same form submitted twice creates one refund. */
  nonce: string;
}

const view = (r: MpesaRefund): RefundView => {
  const pending = r.state === "PENDING_APPROVAL" && r.sendCount === 0;
  return {
    id: r.id,
    amountKes: r.amountKes,
    method: r.method,
    state: r.state,
    stateLabel: LABELS[r.state as RefundState] ?? r.state,
    note: r.note,
    phone: r.phone ? maskMsisdn(r.phone) : null,
    mpesaTransactionId: r.mpesaTransactionId,
    resultDesc: r.resultDesc,
    approvedBy: r.approvedBy,
    approvedAt: r.approvedAt?.toISOString() ?? null,
    closedAt: r.state === "CANCELLED" || r.state === "MANUAL" ? (r.settledAt?.toISOString() ?? null) : null,
    canApprove: r.state === "PENDING_APPROVAL" && r.method !== "MANUAL",
    canCancel: pending,
    canMarkDone: pending,
  };
};

/** The refunds of the receipt that paid this attempt (null: the attempt took no money). */
export async function refundsPanel(deps: Pick<RefundsDeps, "db">, shop: string, attemptId: string) {
  const attempt = await deps.db.paymentAttempt.findFirst({
    where: { id: attemptId, shopDomain: shop },
    include: { reviewResolution: { select: { id: true } } },
  });
  if (!attempt?.mpesaReceipt) return null;
  const receipt = await deps.db.mpesaReceipt.findUnique({ where: { receipt: attempt.mpesaReceipt } });
  if (!receipt || receipt.shopDomain !== shop) return null;
  const refunds = await deps.db.mpesaRefund.findMany({
    where: { shopDomain: shop, receipt: receipt.receipt },
    orderBy: { createdAt: "desc" },
  });
  return {
    receipt: receipt.receipt,
    receivedKes: receipt.amountKes,
    refundableKes: receipt.amountKes - receipt.refundedKes,
    refunds: refunds.map(view),
    reviewOpen: attempt.status === "NEEDS_REVIEW" && !attempt.reviewResolution,
    nonce: crypto.randomUUID(),
  } satisfies RefundsPanel;
}

export type ActionResult = { ok: true; message: string } | { ok: false; error: string };

export async function merchantRefundAction(
  deps: Pick<RefundsDeps, "db" | "now" | "config" | "refundAccount">,
  shop: string,
  attemptId: string,
  form: FormData,
  by: string,
): Promise<ActionResult> {
  const panel = await refundsPanel(deps, shop, attemptId);
  if (!panel) return { ok: false, error: "This payment took no M-PESA money: there is nothing to refund." };
  const intent = String(form.get("intent") ?? "");
  if (intent === "refund") {
    if (panel.reviewOpen)
      return { ok: false, error: "This payment waits for review: refund it with the review's own action." };
    const raw = String(form.get("amount") ?? "").trim();
    const nonce = String(form.get("nonce") ?? "");
    if (!/^\d+$/.test(raw) || Number(raw) < 1)
      return { ok: false, error: "Enter the amount to refund in whole shillings (KES 1 or more)." };
    if (!/^[0-9a-f-]{36}$/.test(nonce)) return { ok: false, error: "The form is out of date: reload the page." };
    const amountKes = Number(raw);
    if (amountKes > panel.refundableKes)
      return { ok: false, error: `At most KES ${panel.refundableKes} of this receipt can still be refunded.` };
    const made = await requestRefund(deps, {
      shopDomain: shop,
      receipt: panel.receipt,
      amountKes,
      // A payment that is not on the Shopify order (held for review, resolved another way) has
      // nothing to refund there: the refund only moves the money.
      initiatedBy: (await isOnShopifyOrder(deps, attemptId)) ? "ADMIN_ACTION" : "REVIEW",
      sourceKey: `admin:${attemptId}:${nonce}`,
    });
    if (!made.created && made.reason === "duplicate")
      return { ok: true, message: "That refund was already requested." };
    if (!made.created)
      return { ok: false, error: `At most KES ${made.remainingKes} of this receipt can still be refunded.` };
    if (made.refund.method === "MANUAL")
      return {
        ok: true,
        message: `Refund of KES ${amountKes} recorded: ${made.refund.note ?? "pay it back by hand"}.`,
      };
    await applyRefundEvent(deps, made.refund.id, { type: "approve", by, at: deps.now() });
    return {
      ok: true,
      message: `Sending KES ${amountKes} back by ${made.refund.method === "B2C" ? "B2C" : "reversal"}.`,
    };
  }
  const refundId = String(form.get("refundId") ?? "");
  const refund = panel.refunds.find((r) => r.id === refundId);
  if (!refund) return { ok: false, error: "No such refund on this payment." };
  const event =
    intent === "approve"
      ? ({ type: "approve", by, at: deps.now() } as const)
      : intent === "cancel"
        ? ({ type: "cancel", by, at: deps.now() } as const)
        : intent === "manual-done"
          ? manualDone(by, deps.now(), String(form.get("note") ?? ""))
          : null;
  if (!event) return { ok: false, error: "Unknown action." };
  if ("error" in event) return { ok: false, error: event.error };
  const result = await applyRefundEvent(deps, refund.id, event);
  if (!result.applied)
    return { ok: false, error: `Nothing changed: the refund is ${refund.stateLabel.toLowerCase()}.` };
  return { ok: true, message: `Refund ${LABELS[result.refund.state as RefundState].toLowerCase()}.` };
}

const MANUAL_NOTE_MAX = 500;

/** "Paid back by hand" carries the merchant's note of how (a bank transfer, cash, an M-PESA send). */
function manualDone(by: string, at: Date, raw: string) {
  const note = raw.trim();
  if (note.length > MANUAL_NOTE_MAX) return { error: `Keep the note under ${MANUAL_NOTE_MAX} characters.` };
  const event: RefundEvent = { type: "manual-done", by, at, ...(note ? { note } : {}) };
  return event;
}

async function isOnShopifyOrder(deps: Pick<RefundsDeps, "db">, attemptId: string): Promise<boolean> {
  const a = await deps.db.paymentAttempt.findUnique({
    where: { id: attemptId },
    select: { status: true, recordedInShopifyAt: true },
  });
  return !!a && (a.status === "SUCCEEDED" || a.recordedInShopifyAt !== null);
}
