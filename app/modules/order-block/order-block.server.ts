import type { PaymentAttempt } from "@prisma/client";
import type { AdminOrderView, AdminPayment, AdminPrompt, AdminErrorCode } from "@mpesa-checkout/pay-contract";
import { maskMsisdn } from "../../lib/phone-mask";
import { normalizeMsisdn } from "../daraja/phone";
import { reviewGuidance } from "../payments/dashboard/review-guidance";
import type { PaymentsDeps } from "../payments/deps.server";
import { loadPayableOrder } from "../payments/load-order.server";
import type { RefusalCode } from "../payments/payability";
import { startPayment, type StartPaymentDeps } from "../payments/start-payment.server";
import type { RefundsDeps } from "../refunds/deps.server";
import { merchantRefundAction, refundsPanel } from "../refunds/merchant.server";
import { isOrderGid } from "../shopify/order-id";
import type { PayableOrder } from "../shopify/order-for-payment";

// The admin order-page block (extensions/admin-order-block): the order's M-PESA payments in plain
// words, and the two things a merchant does from the order page — send the customer a payment prompt
// (the checkout's own start-payment use case; the amount is Shopify's outstanding balance) and refund a
// payment via M-PESA (the payment page's own refund action). The caller is the shop's staff, proven by
// the admin session token: the order is read with the shop's offline session and must be this shop's.

export type OrderBlockDeps = {
  payments: StartPaymentDeps & Pick<PaymentsDeps, "orders">;
  refunds: Pick<RefundsDeps, "db" | "now" | "config" | "refundAccount">;
};

/** The prompt's refusals, in the merchant's words (the shopper's wording is REFUSAL_MESSAGES). */
const PROMPT_REFUSALS: Record<RefusalCode, string> = {
  ORDER_NOT_FOUND_YET: "Shopify does not show this order yet.",
  NOT_MPESA: "This order was not placed with your M-PESA payment method.",
  ALREADY_PAID: "This order is paid.",
  CANCELLED: "This order is cancelled.",
  NOT_KES: "M-PESA takes only Kenyan shillings, and this order is in another currency.",
  SHOP_NOT_CONFIGURED: "Set up your M-PESA account in the app's Settings first.",
  NOTHING_OUTSTANDING: "Nothing is left to pay on this order.",
  UNDER_REVIEW: "A payment of this order needs your review first (see below): do not ask for the money again.",
  NO_CONFIRMATION_NUMBER:
    "This order has no confirmation number (placed before 2024), so the app cannot take payment for it.",
};

const STATUS_LABELS: Record<string, string> = {
  PENDING: "Prompt sent, waiting for the customer",
  SUCCEEDED: "Paid",
  CANCELLED: "Cancelled on the customer's phone",
  TIMED_OUT: "Not answered in time",
  FAILED: "Did not go through",
  NEEDS_REVIEW: "Needs your review",
  RECEIVED: "Paid from the M-PESA menu",
};

export type OrderBlockOutcome =
  | { ok: true; message: string; view: AdminOrderView }
  | {
      ok: false;
      status: 404 | 409 | 422 | 429 | 503;
      code: AdminErrorCode;
      message: string;
      retryAfterSeconds?: number;
    };

export async function orderBlockView(deps: OrderBlockDeps, shop: string, orderGid: string): Promise<AdminOrderView> {
  const order = await deps.payments.orders.read(shop, orderGid);
  const [attempts, c2b] = await Promise.all([
    deps.payments.db.paymentAttempt.findMany({
      where: { shopDomain: shop, orderGid },
      orderBy: { createdAt: "desc" },
      take: 20,
    }),
    deps.payments.db.mpesaReceipt.findMany({
      where: { shopDomain: shop, orderGid, channel: "C2B" },
      orderBy: { createdAt: "desc" },
      take: 20,
    }),
  ]);
  const payments: AdminPayment[] = [];
  for (const attempt of attempts) payments.push(await attemptPayment(deps, shop, attempt));
  for (const r of c2b) {
    payments.push({
      attemptId: null,
      channel: "C2B",
      status: "RECEIVED",
      statusLabel: STATUS_LABELS.RECEIVED!,
      amountKes: r.amountKes,
      receipt: r.receipt,
      phoneMasked: null,
      at: r.createdAt.toISOString(),
      review: null,
      refunds: null,
    });
  }
  payments.sort((a, b) => b.at.localeCompare(a.at));
  const settings = await deps.payments.shopConfig(shop);
  const mpesa =
    !!order &&
    !!settings &&
    order.paymentGatewayNames.some((g) => g.trim().toLowerCase() === settings.paymentMethodName.trim().toLowerCase());
  return {
    order: order
      ? { id: order.id, name: order.name, financialStatus: order.financialStatus, outstandingKes: order.outstandingKes }
      : null,
    mpesa,
    payments,
    prompt: await promptVerdict(deps, shop, orderGid, order),
  };
}

async function attemptPayment(deps: OrderBlockDeps, shop: string, a: PaymentAttempt): Promise<AdminPayment> {
  const panel = a.mpesaReceipt ? await refundsPanel(deps.refunds, shop, a.id) : null;
  const failed = a.status === "FAILED" && a.resultDesc ? `: ${a.resultDesc}` : "";
  return {
    attemptId: a.id,
    channel: "STK",
    status: a.status as AdminPayment["status"],
    statusLabel: `${STATUS_LABELS[a.status] ?? a.status}${failed}`.slice(0, 200),
    amountKes: a.paidAmountKes ?? a.amountKes,
    receipt: a.mpesaReceipt,
    phoneMasked: a.msisdn ? maskMsisdn(a.msisdn) : null,
    at: a.createdAt.toISOString(),
    review:
      a.status === "NEEDS_REVIEW"
        ? (({ summary, action }) => ({ summary, action }))(reviewGuidance(a.reviewCode))
        : null,
    refunds: panel
      ? {
          refundableKes: panel.refundableKes,
          nonce: panel.nonce,
          items: panel.refunds.map((r) => ({ id: r.id, amountKes: r.amountKes, stateLabel: r.stateLabel })),
        }
      : null,
  };
}

async function promptVerdict(
  deps: OrderBlockDeps,
  shop: string,
  orderGid: string,
  order: PayableOrder | null,
): Promise<AdminPrompt> {
  if (!order) return { allowed: false, reason: PROMPT_REFUSALS.ORDER_NOT_FOUND_YET };
  if (!order.confirmationNumber) return { allowed: false, reason: PROMPT_REFUSALS.NO_CONFIRMATION_NUMBER };
  const loaded = await loadPayableOrder(deps.payments, shop, orderGid, {
    confirmationNumber: order.confirmationNumber,
  });
  if (!loaded.payable) return { allowed: false, reason: PROMPT_REFUSALS[loaded.reason] };
  const live = await deps.payments.db.paymentAttempt.findFirst({
    where: { shopDomain: shop, orderGid, status: "PENDING" },
  });
  if (live) return { allowed: false, reason: "A prompt is on the customer's phone now: wait for its answer." };
  const phone = orderPhone(order);
  return { allowed: true, amountKes: loaded.amountKes, phoneMasked: phone ? maskMsisdn(phone) : null };
}

/** The order's first Kenyan mobile number (the customer's, then the order's, then the addresses'). */
export function orderPhone(order: Pick<PayableOrder, "phoneCandidates">): string | null {
  for (const candidate of order.phoneCandidates) {
    try {
      return normalizeMsisdn(candidate);
    } catch {
      // not a Kenyan mobile number: try the next one
    }
  }
  return null;
}

export interface PromptInput {
  shop: string;
  orderGid: string;
  /** Another number than the order's, typed by the merchant. */
  phone?: unknown;
  clientIp: string | null;
}

/** "Send payment prompt": an STK Push for the order's outstanding balance to the customer's phone. */
export async function sendPaymentPrompt(deps: OrderBlockDeps, input: PromptInput): Promise<OrderBlockOutcome> {
  const { shop, orderGid } = input;
  const order = await deps.payments.orders.read(shop, orderGid);
  if (!order) return { ok: false, status: 404, code: "ORDER_NOT_FOUND", message: PROMPT_REFUSALS.ORDER_NOT_FOUND_YET };
  if (!order.confirmationNumber)
    return { ok: false, status: 409, code: "PROMPT_REFUSED", message: PROMPT_REFUSALS.NO_CONFIRMATION_NUMBER };
  const typed = typeof input.phone === "string" && input.phone.trim() ? input.phone : null;
  const phone = typed ?? orderPhone(order);
  if (!phone)
    return {
      ok: false,
      status: 422,
      code: "NO_PHONE",
      message: "The order has no Kenyan mobile number: type the customer's M-PESA number.",
    };
  // The same use case as the checkout's Pay button; the staff member may pay any order of the shop,
  // so the request is bound with the order's own confirmation number (read from Shopify, not sent).
  const outcome = await startPayment(deps.payments, {
    shop,
    orderGid,
    confirmationNumber: order.confirmationNumber,
    phone,
    clientIp: input.clientIp,
  });
  switch (outcome.kind) {
    case "started":
    case "existing": {
      const a = outcome.attempt;
      const view = await orderBlockView(deps, shop, orderGid);
      if (a.status === "FAILED")
        return { ok: true, message: `M-PESA refused the prompt: ${a.resultDesc ?? "no reason given"}.`, view };
      const to = maskMsisdn(a.msisdn);
      return {
        ok: true,
        message:
          outcome.kind === "existing"
            ? `A prompt is already on ${to}'s phone.`
            : `Prompt for KES ${a.amountKes} sent to ${to}. Ask them to enter their M-PESA PIN.`,
        view,
      };
    }
    case "refused":
      if (outcome.code === "INVALID_PHONE" || outcome.code === "INVALID_REQUEST")
        return { ok: false, status: 422, code: "INVALID_PHONE", message: outcome.message };
      if (outcome.code === "TOO_MANY_PHONES")
        return {
          ok: false,
          status: 409,
          code: "PROMPT_REFUSED",
          message: "This order was already sent to several different phone numbers.",
        };
      return {
        ok: false,
        status: outcome.httpStatus === 404 ? 404 : 409,
        code: outcome.httpStatus === 404 ? "ORDER_NOT_FOUND" : "PROMPT_REFUSED",
        message: PROMPT_REFUSALS[outcome.code],
      };
    case "rate_limited":
      return {
        ok: false,
        status: 429,
        code: "RATE_LIMITED",
        message: outcome.message,
        retryAfterSeconds: outcome.retryAfterSeconds,
      };
    case "unavailable":
      return {
        ok: false,
        status: 503,
        code: "TEMPORARILY_UNAVAILABLE",
        message: outcome.message,
        retryAfterSeconds: outcome.retryAfterSeconds,
      };
  }
}

export interface RefundInput {
  shop: string;
  orderGid: string;
  attemptId: unknown;
  amountKes: unknown;
  nonce: unknown;
  /** Who approved it (the staff user of the session token). */
  by: string;
}

/** "Refund via M-PESA": the payment page's refund action, for a payment of this order. */
export async function refundPayment(deps: OrderBlockDeps, input: RefundInput): Promise<OrderBlockOutcome> {
  const { shop, orderGid } = input;
  if (typeof input.attemptId !== "string" || !input.attemptId)
    return { ok: false, status: 422, code: "INVALID_REQUEST", message: "attemptId is required." };
  // Only a payment of this very order: an id of another order or shop is "not found".
  const attempt = await deps.payments.db.paymentAttempt.findFirst({
    where: { id: input.attemptId, shopDomain: shop, orderGid },
  });
  if (!attempt) return { ok: false, status: 404, code: "ORDER_NOT_FOUND", message: "No such payment on this order." };
  const form = new FormData();
  form.set("intent", "refund");
  form.set("amount", typeof input.amountKes === "number" ? String(input.amountKes) : String(input.amountKes ?? ""));
  form.set("nonce", typeof input.nonce === "string" ? input.nonce : "");
  const result = await merchantRefundAction(deps.refunds, shop, attempt.id, form, input.by);
  if (!result.ok) return { ok: false, status: 409, code: "REFUND_REFUSED", message: result.error };
  return { ok: true, message: result.message, view: await orderBlockView(deps, shop, orderGid) };
}

export const isAdminOrderGid = isOrderGid;
