import { B2C_MIN_KES } from "../daraja";
import type { RefundMethod } from "./transition";

// How a refund pays back (docs/REFUNDS.md): Reversal when the whole receipt goes back while it is
// young enough, B2C otherwise (KES 10 minimum, to the paying phone), by hand when neither can.

export interface MethodFacts {
  amountKes: number;
  receiptAmountKes: number;
  /** Shillings of this receipt already promised to other refunds. */
  otherRefundsKes: number;
  receiptAt: Date;
  now: Date;
  reversalWindowMs: number;
  /** The paying phone in full (2547…/2541…); null when only a masked or hashed one is known. */
  phone: string | null;
  /** What M-PESA showed of a paybill/till payer it hid: the number masked (C2B v2) or hashed (v1). */
  hiddenPayer?: { masked: string | null; hash: string | null } | null;
  /** The shop has an initiator that can send refunds. */
  hasAccount: boolean;
}

export function chooseMethod(f: MethodFacts): { method: RefundMethod; why: string } {
  if (!f.hasAccount)
    return { method: "MANUAL", why: "no initiator configured: pay back outside the app, then mark it done" };
  const whole = f.amountKes === f.receiptAmountKes && f.otherRefundsKes === 0;
  if (whole && f.now.getTime() - f.receiptAt.getTime() <= f.reversalWindowMs)
    return { method: "REVERSAL", why: "the whole receipt, within the reversal window" };
  if (f.amountKes < B2C_MIN_KES)
    return { method: "MANUAL", why: `B2C sends at least KES ${B2C_MIN_KES}: pay this back by hand` };
  if (!f.phone || !/^254[17]\d{8}$/.test(f.phone)) {
    // The merchant can ask the customer: the number they type is checked against what M-PESA showed.
    if (f.hiddenPayer?.masked)
      return {
        method: "B2C",
        why: `M-PESA showed the paying number only as ${f.hiddenPayer.masked}: enter the customer's full number to approve (the digits shown must match)`,
      };
    if (f.hiddenPayer?.hash)
      return {
        method: "B2C",
        why: "M-PESA hid the paying number (C2B v1): enter the customer's number to approve (it is checked against M-PESA's hash of it)",
      };
    return { method: "MANUAL", why: "the paying phone number is not known in full: pay back by hand" };
  }
  return { method: "B2C", why: whole ? "outside the reversal window" : "part of the receipt" };
}

/**
 * Shopify amounts are decimal strings; M-PESA moves whole shillings. A refund pays back the amount
 * rounded up to the shilling (the customer never gets less than Shopify recorded), capped by what
 * the receipt still holds.
 */
export function wholeShillings(amount: string | number): number {
  const cents = Math.round(Number(amount) * 100);
  if (!Number.isFinite(cents) || cents <= 0) return 0;
  return Math.ceil(cents / 100);
}

/** Does a typed number fit what M-PESA showed of the payer? Masked: every digit shown; hashed: SHA-256. */
export function fitsHiddenPayer(
  msisdn: string,
  hidden: { masked: string | null; hash: string | null },
  sha256Hex: (s: string) => string,
): boolean {
  if (hidden.masked) {
    const shown = hidden.masked.replace(/\s/g, "");
    const stars = shown.match(/\*+/);
    if (!stars || stars.index === undefined) return false;
    const head = shown.slice(0, stars.index);
    const tail = shown.slice(stars.index + stars[0].length);
    return msisdn.startsWith(head) && msisdn.endsWith(tail) && msisdn.length >= head.length + tail.length;
  }
  if (hidden.hash) return sha256Hex(msisdn) === hidden.hash.toLowerCase();
  return false;
}
