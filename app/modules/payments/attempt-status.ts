// The PaymentAttempt lifecycle (docs/ARCHITECTURE.md; docs/DARAJA.md §6.2):
//   PENDING -> SUCCEEDED | CANCELLED (1032) | TIMED_OUT (1037, 1019) | FAILED (others) | NEEDS_REVIEW
// Terminal states never change, with two deliberate exceptions that only ever move money-related
// evidence *towards* a human (see settle.server.ts): a verified success arriving after a CANCELLED /
// TIMED_OUT / FAILED verdict goes to NEEDS_REVIEW, and a NEEDS_REVIEW "receipt unknown" (paid per STK
// query, no callback yet) becomes SUCCEEDED when the callback with the receipt arrives.

import { ATTEMPT_STATUSES, type AttemptStatus } from "@mpesa-checkout/pay-contract";

// The extension sees the attempt's own status (AttemptView.status), so the lifecycle's states are the
// shared HTTP contract's.
export const STATUSES = ATTEMPT_STATUSES;
export type { AttemptStatus };
export type FinalStatus = Exclude<AttemptStatus, "PENDING" | "NEEDS_REVIEW">;

export function statusForResultCode(code: string): FinalStatus {
  switch (code.trim()) {
    case "0":
      return "SUCCEEDED";
    case "1032":
      return "CANCELLED";
    case "1037":
    case "1019":
      return "TIMED_OUT";
    default:
      return "FAILED";
  }
}

// Codes that mean the shop's M-PESA setup is wrong: retrying cannot help the shopper.
const SETUP_ERRORS = new Set(["2028", "SFC_IC0003", "8"]);

const MESSAGES: Record<string, string> = {
  "1": "Your M-PESA balance is not enough for this payment. Top up and try again.",
  "2": "M-PESA declined the amount as too small.",
  "3": "The amount is above the M-PESA limit for one payment. Please use another payment method.",
  "4": "This payment would exceed your daily M-PESA limit. Try again tomorrow or use another method.",
  "8": "The shop's M-PESA account cannot receive this payment right now. Please contact the shop.",
  "17": "M-PESA blocked a repeat of the same payment. Wait two minutes, then try again.",
  "26": "M-PESA is busy right now. Try again in a few minutes.",
  "1001": "Your phone has another M-PESA session open. Wait a minute, then try again.",
  "1019": "The M-PESA prompt expired before it was completed. Try again.",
  "1025": "M-PESA could not send the prompt to your phone. Try again.",
  "1032": "You cancelled the M-PESA prompt. You can try again.",
  "1037":
    "We could not reach your phone, or the prompt was not answered in time. Check your phone is on and try again.",
  "2001": "The M-PESA PIN was wrong. Try again.",
  "2028": "The shop's M-PESA setup does not allow this payment. Please contact the shop.",
  "8006": "Your M-PESA PIN is locked. Call Safaricom customer care (100 or 200).",
  "9999": "M-PESA could not send the prompt to your phone. Try again.",
  SFC_IC0003: "The shop's M-PESA setup does not allow this payment. Please contact the shop.",
};

export interface AttemptFacts {
  status: string;
  resultCode?: string | null;
  mpesaReceipt?: string | null;
  failureStage?: string | null;
}

/** The plain-words message the shopper sees for an attempt. */
export function messageFor(a: AttemptFacts): string {
  switch (a.status) {
    case "PENDING":
      return "Check your phone and enter your M-PESA PIN to pay.";
    case "SUCCEEDED":
      return a.mpesaReceipt
        ? `Paid. M-PESA receipt ${a.mpesaReceipt}.`
        : "Paid. M-PESA confirmed your payment; the receipt number is in the M-PESA SMS.";
    case "NEEDS_REVIEW":
      return "We are checking this payment with the shop. Please do not pay again; the shop will contact you.";
  }
  if (a.resultCode && MESSAGES[a.resultCode]) return MESSAGES[a.resultCode];
  // Daraja refused the request itself (often the shop's M-PESA setup): retrying may not help.
  if (a.failureStage === "stk_push_request")
    return "M-PESA did not accept this payment request, so nothing was sent to your phone. Try again; if it happens again, please contact the shop.";
  if (a.failureStage === "stk_push_unavailable")
    return "M-PESA could not be reached, so nothing was sent to your phone. Try again in a moment.";
  if (a.status === "TIMED_OUT") return MESSAGES["1037"];
  return "The M-PESA payment did not go through. You can try again.";
}

export function canRetry(a: AttemptFacts): boolean {
  if (a.status === "CANCELLED" || a.status === "TIMED_OUT") return true;
  if (a.status !== "FAILED") return false;
  return !(a.resultCode && SETUP_ERRORS.has(a.resultCode));
}
