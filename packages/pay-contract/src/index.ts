// The checkout extension ↔ app HTTP API, defined once (docs/ARCHITECTURE.md, "Checkout extension ↔
// app HTTP API"). The app's routes answer with these shapes, the extension and the sandbox page read
// them. Plain TypeScript with no dependencies: the extension bundle (64 KB limit) imports it too.

export const PAY_PATH = "/api/pay";
export const PAY_STATUS_PATH = "/api/pay/status";
export const PAY_VERIFY_PATH = "/api/pay/verify";

export const ATTEMPT_STATUSES = ["PENDING", "SUCCEEDED", "CANCELLED", "TIMED_OUT", "FAILED", "NEEDS_REVIEW"] as const;
export type AttemptStatus = (typeof ATTEMPT_STATUSES)[number];

/** What the extension sees of one STK Push attempt. */
export interface AttemptView {
  id: string;
  status: AttemptStatus;
  amountKes: number;
  phoneMasked: string;
  /** Only on SUCCEEDED. */
  receipt?: string;
  resultCode?: string;
  /** Shopper-facing words for this state. */
  message: string;
  canRetry: boolean;
}

/** Why an order cannot be paid now: `reason` of the status answer, `error.code` of a refused Pay. */
export const REFUSAL_CODES = [
  "ORDER_NOT_FOUND_YET",
  "NOT_MPESA",
  "ALREADY_PAID",
  "CANCELLED",
  "NOT_KES",
  "SHOP_NOT_CONFIGURED",
  "NOTHING_OUTSTANDING",
  "UNDER_REVIEW",
  "NO_CONFIRMATION_NUMBER",
] as const;
export type RefusalCode = (typeof REFUSAL_CODES)[number];

/** `error.code` values of the 4xx/5xx answers. */
export const PAY_ERROR_CODES = [
  ...REFUSAL_CODES,
  "INVALID_REQUEST",
  "INVALID_PHONE",
  "TOO_MANY_PHONES",
  "RATE_LIMITED",
  "TEMPORARILY_UNAVAILABLE",
  /** Verify by M-PESA code: the shop has not switched it on (403). */
  "VERIFY_NOT_ALLOWED",
  /** Verify by M-PESA code: the code was refused at once (malformed, already used, …): see `message` (422). */
  "CODE_REJECTED",
] as const;
export type PayErrorCode = (typeof PAY_ERROR_CODES)[number];

/** Query of `GET /api/pay/status`. */
export interface PayStatusQuery {
  orderId: string;
  /** The order's confirmation number as the extension has it (thank-you: `orderConfirmation.number`,
   * order-status: `order.confirmationNumber`); compared case-insensitively with Shopify's. */
  confirmationNumber: string;
}

/** `200` of `GET /api/pay/status`. A non-M-PESA, unknown or unverifiable order carries only `reason`. */
export interface PayStatus {
  payable: boolean;
  reason?: RefusalCode;
  order?: { name: string; amountKes: number; currency: string };
  attempt?: AttemptView;
  /** How to pay by hand from the M-PESA menu, beside the prompt (only while something is left to pay). */
  paybill?: PaybillInstructions;
  /** The shop lets the shopper verify a payment by its M-PESA code here (`PAY_VERIFY_PATH`); only while payable. */
  verifyByCode?: boolean;
}

/**
 * "Paybill 123456, account INV10492, amount KES 1,499" or "Till 654321, amount KES 1,499": the shop's
 * default receiving account, and the account reference the app's matcher expects for this order.
 */
export interface PaybillInstructions {
  kind: "paybill" | "till";
  number: string;
  /** Paybill only: what to type as the account number. */
  accountReference?: string;
  /** What is left to pay, in whole KES. */
  amountKes: number;
  /** Already received on this order (a partially paid order), in whole KES. */
  paidKes?: number;
}

/** Body of `POST /api/pay` (any `amount` is ignored: the app charges Shopify's outstanding balance). */
export interface PayRequest extends PayStatusQuery {
  phone: string;
}

/** `200` of `POST /api/pay`. */
export interface PayResponse {
  attempt: AttemptView;
}

/**
 * Verify by M-PESA code (order-status block, when the shop allows it): `POST /api/pay/verify` with
 * `VerifyRequest`; `GET /api/pay/verify?orderId=&confirmationNumber=[&id=]` polls. The amount is always
 * the order's outstanding balance in Shopify; only the code comes from the shopper.
 */
export const VERIFICATION_STATES = ["verifying", "verified", "applied", "queued", "rejected"] as const;
export type VerificationState = (typeof VERIFICATION_STATES)[number];

export interface VerifyRequest extends PayStatusQuery {
  code: string;
}

export interface ShopperVerification {
  id: string;
  receipt: string;
  state: VerificationState;
  /** Shopper-facing words for this state. */
  message: string;
}

/** `200` of both: whether the block may offer the form, and the order's latest verification. */
export interface VerifyAnswer {
  enabled: boolean;
  verification?: ShopperVerification;
}

export const isVerificationState = (value: unknown): value is VerificationState =>
  (VERIFICATION_STATES as readonly unknown[]).includes(value);

/** Every 4xx/5xx answer (429 and 503 also carry `Retry-After`). */
export interface PayErrorBody {
  error: { code: PayErrorCode; message: string };
}

export const isAttemptStatus = (value: unknown): value is AttemptStatus =>
  (ATTEMPT_STATUSES as readonly unknown[]).includes(value);
export const isRefusalCode = (value: unknown): value is RefusalCode =>
  (REFUSAL_CODES as readonly unknown[]).includes(value);

/** Integer shillings as Kenyans write them: "KES 1,500" ("KES -200" for money going back). The one KES formatter. */
export function formatKes(amountKes: number): string {
  const sign = amountKes < 0 ? "-" : "";
  return `KES ${sign}${String(Math.abs(Math.trunc(amountKes))).replace(/\B(?=(\d{3})+(?!\d))/g, ",")}`;
}

// The admin order-page block's API (a second client of the same app).
export * from "./admin-order";
