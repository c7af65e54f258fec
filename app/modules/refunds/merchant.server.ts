import crypto from "node:crypto";
import type { MpesaRefund } from "@prisma/client";
import { maskMsisdn } from "../../lib/phone-mask";
import type { RefundsDeps } from "./deps.server";
import { applyRefundEvent } from "./repository.server";
import { requestRefund } from "./request.server";
import { fitsHiddenPayer } from "./method";
import { normalizeMsisdn } from "../daraja";
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
  /** Approving needs the customer's full number: M-PESA showed this of it (masked), or "hidden" (hashed). */
  needsPhone: { shown: string | null } | null;
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
    needsPhone:
      r.state === "PENDING_APPROVAL" && r.method === "B2C" && !r.phone ? { shown: r.payerMasked ?? null } : null,
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
  return receiptPanel(deps, shop, attempt.mpesaReceipt, attempt.status === "NEEDS_REVIEW" && !attempt.reviewResolution);
}

/** The refunds of a paybill/till payment's receipt (null: no such payment of this shop, or no money). */
export async function c2bRefundsPanel(deps: Pick<RefundsDeps, "db">, shop: string, c2bPaymentId: string) {
  const payment = await deps.db.c2bPayment.findFirst({ where: { id: c2bPaymentId, shopDomain: shop } });
  if (!payment || payment.amountKes === null) return null;
  return receiptPanel(deps, shop, payment.receipt, false);
}

async function receiptPanel(deps: Pick<RefundsDeps, "db">, shop: string, receiptNo: string, reviewOpen: boolean) {
  const receipt = await deps.db.mpesaReceipt.findUnique({ where: { receipt: receiptNo } });
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
    reviewOpen,
    nonce: crypto.randomUUID(),
  } satisfies RefundsPanel;
}

export type ActionResult = { ok: true; message: string } | { ok: false; error: string };
type ActionDeps = Pick<RefundsDeps, "db" | "now" | "config" | "refundAccount">;

export async function merchantRefundAction(
  deps: ActionDeps,
  shop: string,
  attemptId: string,
  form: FormData,
  by: string,
): Promise<ActionResult> {
  const panel = await refundsPanel(deps, shop, attemptId);
  if (!panel) return { ok: false, error: "This payment took no M-PESA money: there is nothing to refund." };
  return actOn(deps, shop, panel, form, by, {
    sourceKey: (nonce) => `admin:${attemptId}:${nonce}`,
    // A payment that is not on the Shopify order (held for review, resolved another way) has
    // nothing to refund there: the refund only moves the money.
    initiatedBy: async () => ((await isOnShopifyOrder(deps, attemptId)) ? "ADMIN_ACTION" : "REVIEW"),
  });
}

/** The same actions on a paybill/till payment's page. */
export async function c2bRefundAction(
  deps: ActionDeps,
  shop: string,
  c2bPaymentId: string,
  form: FormData,
  by: string,
): Promise<ActionResult> {
  const panel = await c2bRefundsPanel(deps, shop, c2bPaymentId);
  if (!panel) return { ok: false, error: "This payment took no M-PESA money: there is nothing to refund." };
  return actOn(deps, shop, panel, form, by, {
    sourceKey: (nonce) => `admin:c2b:${c2bPaymentId}:${nonce}`,
    // The receipt is on the Shopify order (applied there, or the prompt's own payment it duplicates):
    // Shopify records the refund after M-PESA's success; otherwise only the money moves.
    initiatedBy: async () => {
      const r = await deps.db.mpesaReceipt.findUnique({
        where: { receipt: panel.receipt },
        select: { shopifyRecordedAt: true },
      });
      return r?.shopifyRecordedAt ? "ADMIN_ACTION" : "REVIEW";
    },
  });
}

async function actOn(
  deps: ActionDeps,
  shop: string,
  panel: RefundsPanel,
  form: FormData,
  by: string,
  subject: { sourceKey: (nonce: string) => string; initiatedBy: () => Promise<"ADMIN_ACTION" | "REVIEW"> },
): Promise<ActionResult> {
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
      initiatedBy: await subject.initiatedBy(),
      sourceKey: subject.sourceKey(nonce),
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
    if (made.refund.method === "B2C" && !made.refund.phone)
      return {
        ok: true,
        message: `Refund of KES ${amountKes} waits for the customer's number: ${made.refund.note ?? "enter it below"}.`,
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
  if (intent === "approve" && refund.needsPhone) {
    const given = await giveRecipient(deps, refund.id, String(form.get("phone") ?? ""));
    if (!given.ok) return given;
  }
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

/**
 * The customer's number for a B2C refund whose payer M-PESA hid: a Kenyan mobile number that fits what
 * M-PESA showed (every digit of the masked one; the SHA-256 of the hashed one). Set once, only while
 * the refund waits for approval.
 */
async function giveRecipient(deps: Pick<RefundsDeps, "db">, refundId: string, typed: string): Promise<ActionResult> {
  if (!typed.trim()) return { ok: false, error: "Enter the customer's M-PESA number to approve this refund." };
  let msisdn: string;
  try {
    msisdn = normalizeMsisdn(typed, "phone");
  } catch {
    return { ok: false, error: `"${typed.trim()}" is not a Kenyan mobile number (07…, 01… or 2547…).` };
  }
  const r = await deps.db.mpesaRefund.findUniqueOrThrow({ where: { id: refundId } });
  const hidden = { masked: r.payerMasked, hash: r.payerHash };
  if (!fitsHiddenPayer(msisdn, hidden, (v) => crypto.createHash("sha256").update(v).digest("hex")))
    return {
      ok: false,
      error: r.payerMasked
        ? `${maskMsisdn(msisdn)} is not the number that paid: M-PESA showed it as ${r.payerMasked}. Check it with the customer.`
        : "That is not the number that paid (it does not match M-PESA's record of the payer). Check it with the customer.",
    };
  await deps.db.mpesaRefund.updateMany({
    where: { id: refundId, state: "PENDING_APPROVAL", phone: null },
    data: { phone: msisdn },
  });
  return { ok: true, message: "" };
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
