import type { PrismaClient } from "@prisma/client";
import { orderNumericId } from "../../shopify/order-id";
import { parseStkCallback } from "../../daraja";
import { maskMsisdn } from "../../../lib/phone-mask";
import { formatEat, formatKes } from "./format";
import { orderNumberOf } from "./list.server";
import { maskedCallbackBody, maskPhonesInText } from "./mask-callback.server";
import { reviewGuidance, type ReviewGuidance } from "./review-guidance";
import { attemptStatusDisplay, type StatusTone } from "./status-display";
import { REPLAY_OF_HEADER } from "./callback-actions.server";
import {
  callbackKindWords,
  callbackNoteWords,
  callbackStatusWords,
  failureStageWords,
  resultCodeWords,
} from "./words.server";

// One attempt as the merchant sees it: its facts, what to do if it needs review, and the callbacks
// Safaricom sent for it. Phone numbers are masked everywhere, including inside the raw bodies;
// callback headers and token hashes never leave the server.

/** A replayed callback can be stored dozens of times; the page shows the newest ones. */
export const CALLBACKS_SHOWN = 50;

/** Result codes that mean the shop's M-PESA account is set up wrong, and what to change in Settings. */
const SETUP_FIXES: Record<string, string> = {
  SFC_IC0003:
    "The operator does not exist: the number the money goes to does not fit the kind of account. For a till, the store (head-office) number goes in the shortcode field and the till number in the till field, and the till must belong to that store; a till must not be set up as a paybill. Check the account in Settings.",
  "2028":
    "The request is not permitted for this account's product: check in Settings that the account is a paybill or a till as Safaricom set it up, with the right numbers.",
};

export interface PaymentDetailView {
  id: string;
  orderName: string;
  /** Numeric Shopify order id, for a link into the admin. */
  orderId: string | null;
  orderGid: string;
  status: string;
  statusLabel: string;
  statusTone: StatusTone;
  review: (ReviewGuidance & { reason: string }) | null;
  /** The prompt went to a phone that is none of the order's own numbers (masked, as in `facts`). */
  otherPhone: string | null;
  facts: { label: string; value: string }[];
  callbacks: CallbackView[];
  callbackCount: number;
  /** The prompt reached M-PESA: Safaricom can be asked about it again (re-verify). */
  canReverify: boolean;
}

export interface CallbackView {
  id: string;
  kind: string;
  kindLabel: string;
  receivedAt: string;
  processedAt: string;
  sourceIp: string;
  status: string;
  statusLabel: string;
  statusTone?: StatusTone;
  error: string;
  body: string;
  /** When this row is the merchant's replay of an earlier one: that one's receipt time. */
  replayOf: string | null;
  /** A complete STK result, not waiting: the merchant may replay it (callback-actions.server.ts). */
  canReplay: boolean;
}

/** null when the attempt does not exist or belongs to another shop (the page answers 404 for both). */
export async function getPaymentAttemptDetail(
  db: PrismaClient,
  shop: string,
  id: string,
): Promise<PaymentDetailView | null> {
  const a = await db.paymentAttempt.findFirst({
    where: { id, shopDomain: shop },
    include: { reviewResolution: { select: { action: true } } },
  });
  if (!a) return null;
  const [callbacks, callbackCount] = await Promise.all([
    db.callbackLog.findMany({
      where: { attemptId: a.id },
      orderBy: [{ receivedAt: "desc" }, { id: "desc" }],
      take: CALLBACKS_SHOWN,
      select: {
        id: true,
        kind: true,
        receivedAt: true,
        processedAt: true,
        sourceIp: true,
        status: true,
        error: true,
        body: true,
        headers: true,
      },
    }),
    db.callbackLog.count({ where: { attemptId: a.id } }),
  ]);
  const { label, tone } = attemptStatusDisplay(a.status, a.reviewResolution);
  const text = (v: string | null) => (v ? maskPhonesInText(v) : "");
  const facts: [string, string][] = [
    ["Amount expected", formatKes(a.amountKes)],
    ["Amount paid", formatKes(a.paidAmountKes)],
    ["M-PESA receipt", a.mpesaReceipt ?? ""],
    [
      "Phone",
      a.phoneMatchesOrder === false ? `${maskMsisdn(a.msisdn)} (not the order's phone number)` : maskMsisdn(a.msisdn),
    ],
    ["Started", formatEat(a.createdAt)],
    ["Completed", formatEat(a.completedAt)],
    ["M-PESA transaction time", formatEat(a.transactionDate)],
    ["Recorded in Shopify", a.recordedInShopifyAt ? `Yes, ${formatEat(a.recordedInShopifyAt)}` : "No"],
    ["M-PESA's answer", a.resultCode ? `${resultCodeWords(a.resultCode)} (M-PESA code ${a.resultCode})` : ""],
    ["Safaricom's words", text(a.resultDesc)],
    ["What to fix", a.resultCode ? (SETUP_FIXES[a.resultCode] ?? "") : ""],
    ["Where it failed", failureStageWords(a.failureStage)],
    ["Safaricom request ID (CheckoutRequestID)", a.checkoutRequestId ?? ""],
    ["MerchantRequestID", a.merchantRequestId ?? ""],
    ["M-PESA environment", a.environment === "production" ? "Production (real money)" : "Daraja sandbox (test money)"],
  ];
  const receivedAtOf = new Map(callbacks.map((c) => [c.id, c.receivedAt]));
  return {
    id: a.id,
    orderName: a.orderName ?? orderNumberOf(a.orderGid),
    orderId: orderNumericId(a.orderGid),
    orderGid: a.orderGid,
    status: a.status,
    statusLabel: label,
    statusTone: tone,
    otherPhone: a.phoneMatchesOrder === false ? maskMsisdn(a.msisdn) : null,
    review: a.status === "NEEDS_REVIEW" ? { ...reviewGuidance(a.reviewCode), reason: text(a.reviewDetail) } : null,
    // A fact that does not apply is left out (no "Failed at —" on a payment that did not fail).
    facts: facts.filter(([, value]) => value).map(([l, value]) => ({ label: l, value })),
    canReverify: a.checkoutRequestId !== null,
    callbacks: callbacks.map((c) => {
      const replayOfId = replayOfHeader(c.headers);
      const replayedAt = replayOfId ? receivedAtOf.get(replayOfId) : undefined;
      return {
        id: c.id,
        kind: c.kind,
        kindLabel: callbackKindWords(c.kind),
        ...(({ label, tone }) => ({ statusLabel: label, statusTone: tone }))(callbackStatusWords(c.status)),
        replayOf: replayOfId ? formatEat(replayedAt ?? null, { seconds: true }) || "an earlier message" : null,
        canReplay: c.kind === "STK" && c.status !== "RECEIVED" && isStkResult(c.body),
        // Seconds matter here: duplicates and retries of one callback arrive within the same minute.
        receivedAt: formatEat(c.receivedAt, { seconds: true }),
        processedAt: formatEat(c.processedAt, { seconds: true }),
        sourceIp: c.sourceIp ?? "",
        status: c.status,
        error: callbackNoteWords(text(c.error)),
        body: maskedCallbackBody(c.body),
      };
    }),
    callbackCount,
  };
}

function replayOfHeader(headers: string): string | null {
  try {
    const v = (JSON.parse(headers) as Record<string, unknown>)[REPLAY_OF_HEADER];
    return typeof v === "string" ? v : null;
  } catch {
    return null;
  }
}

function isStkResult(body: string): boolean {
  try {
    parseStkCallback(JSON.parse(body));
    return true;
  } catch {
    return false;
  }
}
