// The admin order-page block <-> app HTTP API (extensions/admin-order-block, app/routes/api.admin.order.$id.tsx).
// The block asks the app, never Shopify, for anything touching the M-PESA ledger, Daraja or refunds;
// its requests carry the admin's session token (ID token, `aud` = the app's client id).

import type { AttemptStatus } from "./index";

/** `GET|POST /api/admin/order/<numeric order id>`. */
export const ADMIN_ORDER_PATH = "/api/admin/order";

/** The path for an order GID (`gid://shopify/Order/123`) or its numeric id. */
export function adminOrderPath(orderId: string): string {
  const numeric = /(\d+)$/.exec(orderId)?.[1] ?? "";
  return `${ADMIN_ORDER_PATH}/${numeric}`;
}

/** How a payment reached the order: the STK prompt, or typed in the M-PESA menu (paybill / till). */
export type PaymentChannel = "STK" | "C2B";

/** One M-PESA payment (or prompt) of the order, as the merchant reads it. */
export interface AdminPayment {
  /** The STK attempt's id; null for a paybill/till payment. */
  attemptId: string | null;
  channel: PaymentChannel;
  /** Prompt states, or `RECEIVED` for a paybill/till payment on the order. */
  status: AttemptStatus | "RECEIVED";
  /** The status in plain words ("Paid", "Cancelled on the phone", …). */
  statusLabel: string;
  amountKes: number;
  receipt: string | null;
  phoneMasked: string | null;
  /** ISO 8601. */
  at: string;
  /** Set while the payment waits for a person: what happened and what to do. */
  review: { summary: string; action: string } | null;
  /** Refunds of this payment's receipt; `refundableKes` is what may still go back (0: nothing). */
  refunds: {
    refundableKes: number;
    /** Send it back with `intent: "refund"`: one nonce per view, so a double click refunds once. */
    nonce: string;
    items: { id: string; amountKes: number; stateLabel: string }[];
  } | null;
}

/** Whether "Send payment prompt" may be offered now, and for how much (Shopify's outstanding balance). */
export type AdminPrompt =
  { allowed: true; amountKes: number; phoneMasked: string | null } | { allowed: false; reason: string };

/** `200` of `GET`, and `view` of a successful `POST`. */
export interface AdminOrderView {
  /** null: Shopify has no such order for this shop (or it is not readable yet). */
  order: { id: string; name: string; financialStatus: string | null; outstandingKes: number | null } | null;
  /** The order was placed with the shop's M-PESA payment method. */
  mpesa: boolean;
  payments: AdminPayment[];
  prompt: AdminPrompt;
}

/** Body of `POST`: send the customer a payment prompt, or refund part or all of a payment. */
export type AdminOrderAction =
  /** `phone`: another number than the order's (the customer asked); the amount is always Shopify's. */
  { intent: "prompt"; phone?: string } | { intent: "refund"; attemptId: string; amountKes: number; nonce: string };

export const ADMIN_ERROR_CODES = [
  "UNAUTHORIZED",
  "INVALID_REQUEST",
  "ORDER_NOT_FOUND",
  "PROMPT_REFUSED",
  "INVALID_PHONE",
  "NO_PHONE",
  "RATE_LIMITED",
  "REFUND_REFUSED",
  "TEMPORARILY_UNAVAILABLE",
] as const;
export type AdminErrorCode = (typeof ADMIN_ERROR_CODES)[number];

/** `200` of `POST`. */
export interface AdminActionResult {
  message: string;
  view: AdminOrderView;
}

/** Every 4xx/5xx answer of the admin routes. */
export interface AdminErrorBody {
  error: { code: AdminErrorCode; message: string };
}
