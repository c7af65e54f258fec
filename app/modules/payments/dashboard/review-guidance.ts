import type { ReviewCode } from "@prisma/client";

// What a NEEDS_REVIEW attempt means and what the merchant should do about it, by its review code
// (PaymentAttempt.reviewCode, the Prisma enum ReviewCode). Keyed by the enum: a code without an
// entry is a type error. Pure.

export interface ReviewGuidance {
  code: ReviewCode | null;
  /** One line for the list. */
  summary: string;
  /** What to do, for the detail page. */
  action: string;
}

const REFUND_OR_APPLY = "Refund this payment via M-PESA reversal or apply it to an order by hand.";

const GUIDANCE: Record<ReviewCode, Omit<ReviewGuidance, "code">> = {
  AMOUNT_SHORT: {
    summary: "The customer paid less than the order amount",
    action:
      "The customer paid less than the order amount: collect the difference or refund the payment. The order was not marked paid.",
  },
  QUERY_CONTRADICTS: {
    summary: "Safaricom's status check says this was not paid",
    action:
      "Safaricom's status query says this was not paid: do not ship until you confirm the receipt in your M-PESA statement.",
  },
  SECOND_PAYMENT_REFUND: {
    summary: "The order was already paid: this is a second payment",
    action: `The order had already been paid by another M-PESA payment. ${REFUND_OR_APPLY}`,
  },
  LATE_SUCCESS: {
    summary: "Paid after the attempt was marked unsuccessful",
    action: `The customer's payment went through after this attempt had been marked unsuccessful, so the order was not marked paid. ${REFUND_OR_APPLY}`,
  },
  RECEIPT_UNKNOWN: {
    summary: "Safaricom says paid, but no receipt has arrived",
    action:
      "Safaricom's status query says this was paid, but its receipt has not arrived. Find the payment in your M-PESA statement before you ship; if the receipt arrives later the payment completes by itself.",
  },
  DUPLICATE_RECEIPT: {
    summary: "The receipt was already used for another payment",
    action:
      "This receipt number was already recorded for another payment. Treat this order as unpaid until your M-PESA statement shows a separate payment for it.",
  },
  SANDBOX_ON_LIVE_STORE: {
    summary: "Daraja sandbox (test) payment on a live store: not marked paid",
    action:
      "This payment was made on Daraja's sandbox, so no real money moved, and your store is not a development store: the order was not marked paid. Switch the M-PESA settings to production to take real payments (or allow sandbox payments on this store in settings while you test).",
  },
  UNKNOWN_AFTER_QUERIES: {
    summary: "Safaricom never gave a final answer",
    action:
      "Safaricom never confirmed whether this payment went through. Look for it in your M-PESA statement: if it is there, mark the order paid by hand; if not, treat the order as unpaid.",
  },
  UNCLASSIFIED: {
    summary: "Needs a check against your M-PESA statement",
    action: "Check this payment against your M-PESA statement before you ship or refund.",
  },
};

export function reviewGuidance(code: ReviewCode | null | undefined): ReviewGuidance {
  return { code: code ?? null, ...GUIDANCE[code ?? "UNCLASSIFIED"] };
}
