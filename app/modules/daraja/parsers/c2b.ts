import { z } from "zod";
import { MalformedPayloadError } from "../errors";
import { identifyPayer, type PayerIdentifier } from "../phone";
import { parseEatTimestamp } from "../time";
import { amountSchema, idSchema, optionalString, parseWith, wholeKes } from "./common";

// C2B validation and confirmation requests (docs/DARAJA.md §3.2–3.3). v1 carries SHA-256(MSISDN),
// v2 a masked MSISDN: neither gives the customer's number, so match on BillRefNumber/amount/TransID.

const schema = z.object({
  TransactionType: optionalString, // "Pay Bill" | "Buy Goods"
  TransID: idSchema,
  TransTime: idSchema,
  TransAmount: amountSchema,
  BusinessShortCode: idSchema,
  BillRefNumber: optionalString,
  InvoiceNumber: optionalString,
  OrgAccountBalance: optionalString, // blank on validation
  ThirdPartyTransID: optionalString,
  MSISDN: optionalString,
  FirstName: optionalString,
  MiddleName: optionalString,
  LastName: optionalString,
});

export interface C2bPayment {
  transactionType: string;
  transId: string; // the receipt: idempotency key
  transTime: Date;
  amount: number; // whole KES (as received, possibly fractional or ≤ 0, from the *AsReceived parsers)
  /** TransAmount exactly as sent ("1500.00"): kept for the ledger and the merchant's review. */
  amountText: string;
  businessShortCode: string;
  billRefNumber: string; // as typed by the customer
  billRefNormalized: string; // upper-cased, whitespace removed: for matching to an order
  invoiceNumber: string;
  orgAccountBalance: number | null;
  thirdPartyTransId: string;
  payer: PayerIdentifier | null;
  firstName: string;
  middleName: string;
  lastName: string;
}

function parseC2b(what: string, body: unknown, strictAmount: boolean): C2bPayment {
  const p = parseWith(what, schema, body);
  const rawAmount = rawField(body, "TransAmount");
  const transTime = parseEatTimestamp(p.TransTime);
  if (!transTime) throw new MalformedPayloadError(what, [`TransTime: ${p.TransTime} is not YYYYMMDDHHmmss`]);
  let payer: PayerIdentifier | null = null;
  if (p.MSISDN) {
    try {
      payer = identifyPayer(p.MSISDN);
    } catch {
      throw new MalformedPayloadError(what, [`MSISDN: not a number, a masked number or a SHA-256 hash`]);
    }
  }
  const balance = p.OrgAccountBalance.trim() === "" ? null : Number(p.OrgAccountBalance);
  return {
    transactionType: p.TransactionType,
    transId: p.TransID.toUpperCase(),
    transTime,
    amount: strictAmount ? wholeKes(what, "TransAmount", p.TransAmount) : p.TransAmount, // "1500.00" → 1500
    amountText: typeof rawAmount === "string" || typeof rawAmount === "number" ? String(rawAmount).trim() : "",
    businessShortCode: p.BusinessShortCode,
    billRefNumber: p.BillRefNumber,
    billRefNormalized: p.BillRefNumber.replace(/\s+/g, "").toUpperCase(),
    invoiceNumber: p.InvoiceNumber,
    orgAccountBalance: balance !== null && Number.isFinite(balance) ? balance : null,
    thirdPartyTransId: p.ThirdPartyTransID,
    payer,
    firstName: p.FirstName,
    middleName: p.MiddleName,
    lastName: p.LastName,
  };
}

export const parseC2bValidation = (body: unknown) => parseC2b("C2B validation", body, true);
export const parseC2bConfirmation = (body: unknown) => parseC2b("C2B confirmation", body, true);

/**
 * The same, except that the amount is kept as received even when it is not whole shillings or not
 * positive: a confirmation reports money that has already moved, so an odd amount is a payment to
 * review, never a body to refuse (the inbound C2B events use these).
 */
export const parseC2bConfirmationAsReceived = (body: unknown) => parseC2b("C2B confirmation", body, false);
export const parseC2bValidationAsReceived = (body: unknown) => parseC2b("C2B validation", body, false);

function rawField(body: unknown, field: string): unknown {
  let value = body;
  if (typeof body === "string") {
    try {
      value = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  return value !== null && typeof value === "object" ? (value as Record<string, unknown>)[field] : undefined;
}
