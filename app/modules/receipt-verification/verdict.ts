import { formatKes } from "../payments/dashboard/format";

// Pure: does a Transaction Status answer prove the payment the verification asked about? Every way it
// can fail has its own reason and words (docs/C2B.md, "Verify a payment by M-PESA code").

export const REJECTION_REASONS = [
  "MALFORMED",
  "ALREADY_USED",
  "IN_QUEUE",
  "UNKNOWN_RECEIPT",
  "OTHER_SHORTCODE",
  "NOT_COMPLETED",
  "AMOUNT_UNFIT",
  "TIME_UNFIT",
  "DARAJA_ERROR",
  "NOT_CONFIGURED",
  "ORDER_NOT_PAYABLE",
  "EXPIRED",
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

/** Transaction Status: "The transaction receipt number does not exist." */
export const STATUS_NOT_FOUND = "2032";
/** A payment may be made this long before the order the app knows of (clock skew, as the matcher). */
export const CLOCK_SKEW_MS = 10 * 60 * 1000;

export interface StatusAnswer {
  resultCode: string;
  resultDesc: string;
  receiptNo?: string;
  transactionStatus?: string;
  amount?: number;
  creditPartyName?: string;
  /** FinalisedTime (else InitiatedTime) read as the instant. */
  paidAt: Date | null;
}

export interface Expectation {
  receipt: string;
  /** What the order still owes, whole KES (from Shopify). */
  expectedKes: number;
  allowOverpayment: boolean;
  orderName: string;
  orderCreatedAt: Date | null;
  /** The shop's receiving numbers: paybill / store numbers and till numbers. */
  shortCodes: { number: string; kind: "paybill" | "till" }[];
  now: Date;
  formatTime: (d: Date) => string;
}

export type Verdict =
  | { ok: true; amountKes: number; paidAt: Date; shortCode: string; kind: "paybill" | "till" }
  | { ok: false; reason: RejectionReason; message: string };

const reject = (reason: RejectionReason, message: string): Verdict => ({ ok: false, reason, message });

/** "174379 - SHOP NAME" -> "174379"; a phone (the credit party of a payout) is never echoed. */
export function creditShortCode(name: string | undefined): string | null {
  const m = /^\s*(\d{5,12})\b/.exec(name ?? "");
  return m ? m[1] : null;
}

export function judgeStatus(answer: StatusAnswer, e: Expectation): Verdict {
  const code = e.receipt;
  if (answer.resultCode === STATUS_NOT_FOUND)
    return reject(
      "UNKNOWN_RECEIPT",
      `Safaricom has no M-PESA transaction with the code ${code}. Check the code in the SMS.`,
    );
  if (answer.resultCode !== "0")
    return reject(
      "DARAJA_ERROR",
      `Safaricom could not check ${code}: ${answer.resultCode} ${answer.resultDesc}`.trim(),
    );
  if (answer.receiptNo && answer.receiptNo.toUpperCase() !== code)
    return reject("DARAJA_ERROR", `Safaricom answered about another transaction (${answer.receiptNo}), not ${code}.`);
  const receiver = creditShortCode(answer.creditPartyName);
  const ours = receiver ? e.shortCodes.find((s) => s.number === receiver) : undefined;
  if (!ours) {
    const list = e.shortCodes.map((s) => `${s.kind} ${s.number}`).join(", ");
    const where = !receiver
      ? "Safaricom's answer does not name the account that received it"
      : /^254\d{9}$/.test(receiver)
        ? "it is a payment to a phone, not to the shop"
        : `it was paid to ${receiver}`;
    return reject("OTHER_SHORTCODE", `${code} is not a payment to this shop's ${list || "M-PESA account"}: ${where}.`);
  }
  if (answer.transactionStatus && answer.transactionStatus.toLowerCase() !== "completed")
    return reject(
      "NOT_COMPLETED",
      `${code} is "${answer.transactionStatus}" at M-PESA, not completed: no money arrived.`,
    );
  const amount = answer.amount;
  if (amount === undefined || !Number.isInteger(amount) || amount <= 0)
    return reject(
      "AMOUNT_UNFIT",
      `${code} is for KES ${amount ?? "?"}, not whole shillings: record it in Shopify by hand if it belongs to the order.`,
    );
  if (amount > e.expectedKes && !e.allowOverpayment)
    return reject(
      "AMOUNT_UNFIT",
      `${code} is for ${formatKes(amount)}, more than the ${formatKes(e.expectedKes)} ${e.orderName} owes: it is not applied here. Please contact the shop with the code.`,
    );
  const paidAt = answer.paidAt;
  if (!paidAt) return reject("TIME_UNFIT", `Safaricom's answer for ${code} carries no payment time.`);
  if (e.orderCreatedAt && paidAt.getTime() < e.orderCreatedAt.getTime() - CLOCK_SKEW_MS)
    return reject(
      "TIME_UNFIT",
      `${code} was paid on ${e.formatTime(paidAt)}, before ${e.orderName} was placed (${e.formatTime(e.orderCreatedAt)}): it cannot be this order's payment.`,
    );
  if (paidAt.getTime() > e.now.getTime() + CLOCK_SKEW_MS)
    return reject("TIME_UNFIT", `${code} carries a payment time in the future (${e.formatTime(paidAt)}).`);
  return { ok: true, amountKes: amount, paidAt, shortCode: ours.number, kind: ours.kind };
}
