import type { ShopperVerification, VerifyAnswer, RefusalCode } from "@mpesa-checkout/pay-contract";
import { loadPayableOrder } from "../payments/load-order.server";
import type { PaymentStatusDeps } from "../payments/payment-status.server";
import { parseConfirmationNumber } from "../payments/order-binding";
import type { RateLimitVerdict, VerifySubject } from "../payments/rate-limits.server";
import { expireStale, requestVerification, type VerifyDeps } from "./request.server";
import { shopperMayVerify } from "./setting.server";
import { orderVerification, type VerificationView } from "./view.server";

// The shopper's side of "verify by M-PESA code" (order-status block): only when the shop switched it
// on, only for the shopper's own order (bound by confirmation number and the session's customer, as a
// Pay), limited like the other shopper endpoints, and the amount always Shopify's outstanding balance.

export interface ShopperVerifyDeps {
  verify: VerifyDeps;
  /** Reading the order bound to the caller (as a Pay), and the status-poll limiter the poll counts in. */
  orders: PaymentStatusDeps;
  consumeVerify: (subject: VerifySubject) => Promise<RateLimitVerdict>;
}

export interface ShopperCaller {
  shop: string;
  orderGid: string;
  confirmationNumber: unknown;
  customerGid?: string;
  clientIp: string | null;
}

export type ShopperOutcome =
  | { kind: "ok"; answer: VerifyAnswer }
  | { kind: "not_allowed" | "invalid" | "code_rejected"; message: string }
  | { kind: "refused"; code: RefusalCode; message: string }
  | { kind: "rate_limited" | "unavailable"; retryAfterSeconds: number };

const shopperView = (v: VerificationView): ShopperVerification => ({
  id: v.id,
  receipt: v.receipt,
  state: v.state,
  message:
    v.state === "applied"
      ? `Thank you: your M-PESA payment ${v.receipt} is recorded on this order.`
      : v.state === "queued"
        ? `Your payment ${v.receipt} is confirmed; the shop will match it to your order.`
        : v.message,
});

const REFUSED_WORDS: Partial<Record<RefusalCode, string>> = {
  ALREADY_PAID: "This order is already paid.",
  CANCELLED: "This order is cancelled.",
  NOTHING_OUTSTANDING: "Nothing is left to pay on this order.",
  ORDER_NOT_FOUND_YET: "This order was not found.",
};

export async function shopperVerify(
  deps: ShopperVerifyDeps,
  caller: ShopperCaller,
  code: unknown,
): Promise<ShopperOutcome> {
  const confirmationNumber = parseConfirmationNumber(caller.confirmationNumber);
  if (!confirmationNumber)
    return { kind: "invalid", message: "confirmationNumber must be the order's confirmation number." };
  const { shop, orderGid } = caller;
  if (!(await shopperMayVerify(deps.verify.db, shop)))
    return { kind: "not_allowed", message: "This shop does not check M-PESA codes here. Please contact the shop." };
  const verdict = await deps.consumeVerify({ shop, orderGid, clientIp: caller.clientIp });
  if (!verdict.allowed)
    return {
      kind: verdict.limit === "store" ? "unavailable" : "rate_limited",
      retryAfterSeconds: verdict.retryAfterSeconds,
    };
  const loaded = await loadPayableOrder(
    deps.orders,
    shop,
    orderGid,
    { confirmationNumber, customerGid: caller.customerGid },
    { fresh: true },
  );
  if (!loaded.payable)
    return {
      kind: "refused",
      code: loaded.reason,
      message: REFUSED_WORDS[loaded.reason] ?? "This order cannot take a payment now.",
    };
  const outcome = await requestVerification(deps.verify, {
    shop,
    code,
    order: { orderGid, orderName: loaded.order.name, expectedKes: loaded.amountKes },
    source: "shopper",
    actor: caller.customerGid ? `shopper (${caller.customerGid})` : "shopper (guest checkout)",
  });
  if (outcome.kind === "rejected") return { kind: "code_rejected", message: outcome.message };
  const { view } = await orderVerification(deps.verify.db, shop, orderGid, outcome.verification.id);
  return { kind: "ok", answer: { enabled: true, verification: view ? shopperView(view) : undefined } };
}

/** The poll: is the form offered, and how is the order's latest (or the named) verification doing. */
export async function shopperVerification(
  deps: ShopperVerifyDeps,
  caller: ShopperCaller,
  id: string | null,
): Promise<ShopperOutcome> {
  const confirmationNumber = parseConfirmationNumber(caller.confirmationNumber);
  if (!confirmationNumber)
    return { kind: "invalid", message: "confirmationNumber must be the order's confirmation number." };
  const { shop, orderGid } = caller;
  const loaded = await loadPayableOrder(deps.orders, shop, orderGid, {
    confirmationNumber,
    customerGid: caller.customerGid,
  });
  if (!loaded.payable && loaded.hidden) return { kind: "ok", answer: { enabled: false } };
  const enabled = loaded.payable && loaded.config.shopperVerifyByCode;
  let found = await orderVerification(deps.verify.db, shop, orderGid, id);
  if (found.row && (await expireStale(deps.verify, [found.row])))
    found = await orderVerification(deps.verify.db, shop, orderGid, id);
  return {
    kind: "ok",
    answer: { enabled, ...(found.view ? { verification: shopperView(found.view) } : {}) },
  };
}
