// Everything the shopper reads, in one place (English only for now; this is where locales/*.json
// and shopify.i18n would plug in).

// Integer shillings as Kenyans write them ("KES 1,500"): the contract's one formatter. Amounts always come from the app.
import { formatKes } from "@mpesa-checkout/pay-contract";

export { formatKes };

export const copy = {
  heading: "Pay with M-PESA",
  amountDue: (amountKes: number) => `Amount due: ${formatKes(amountKes)}`,
  partlyPaid: (paidKes: number, amountKes: number) =>
    `${formatKes(paidKes)} received. Remaining: ${formatKes(amountKes)}.`,
  paybillHeading: "Or pay from the M-PESA menu",
  paybill: (number: string, accountReference: string, amountKes: number) =>
    `Paybill ${number}, account ${accountReference}, amount ${formatKes(amountKes)}`,
  till: (number: string, amountKes: number) => `Till ${number} (Buy Goods), amount ${formatKes(amountKes)}`,
  phoneLabel: "M-PESA phone number",
  payButton: (amountKes?: number) => (amountKes === undefined ? "Pay with M-PESA" : `Pay ${formatKes(amountKes)}`),
  preparing: "Getting your M-PESA payment ready…",
  preparingSlow: "Your order is still being set up. Refresh in a moment to pay with M-PESA.",
  refresh: "Refresh",
  retry: "Retry",
  checkPhoneHeading: "Check your phone",
  checkPhone: (amountKes: number, phoneMasked: string) =>
    `Check your phone${phoneMasked ? ` (${phoneMasked})` : ""} and enter your M-PESA PIN to pay ${formatKes(amountKes)}.`,
  stillWaiting: "Still waiting for M-PESA to confirm. If you have entered your PIN, refresh to check again.",
  paidHeading: "Payment received",
  paid: (amountKes: number) => `We received ${formatKes(amountKes)} by M-PESA. Thank you!`,
  receipt: (receipt: string) => `M-PESA receipt: ${receipt}`,
  cancelledHeading: "Payment cancelled",
  cancelled: "The M-PESA request was cancelled on your phone. You can try again.",
  timedOutHeading: "No answer from your phone",
  timedOut: "The M-PESA request expired before the PIN was entered. Keep your phone unlocked and try again.",
  failedHeading: "Payment didn't go through",
  failedFallback: "M-PESA could not complete the payment.",
  needsReviewHeading: "We're confirming your payment",
  needsReview: "We're confirming your payment with M-PESA. The shop will contact you.",
  rateLimited: (seconds: number) => `Too many attempts, try again in ${seconds} seconds.`,
  rejectedFallback: "This payment can't be started right now. Refresh the page and try again.",
  unreachable: "We couldn't reach the payment service. Check your connection and try again.",
  tryAgain: "Try again",
  verifyHeading: "Paid from the M-PESA menu already?",
  verifyLabel: "M-PESA code from your SMS (e.g. TCE4XK91QZ)",
  verifyButton: "Check my payment",
  verifyRejected: "That code could not be used.",
} as const;
