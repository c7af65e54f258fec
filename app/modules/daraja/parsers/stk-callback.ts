import { z } from "zod";
import { MalformedPayloadError } from "../errors";
import { identifyPayer } from "../phone";
import { parseEatTimestamp } from "../time";
import { codeSchema, idSchema, oneOrMany, optionalString, parseWith, wholeKes } from "./common";

// The STK Push result posted to our CallBackURL (docs/DARAJA.md §2.2).

const itemSchema = z.object({
  Name: z.string(),
  Value: z.union([z.string(), z.number(), z.null()]).optional(), // Balance often has no Value
});

const schema = z.object({
  Body: z.object({
    stkCallback: z.object({
      MerchantRequestID: idSchema,
      CheckoutRequestID: idSchema,
      ResultCode: codeSchema, // usually a number, but "SFC_IC0003" has been seen
      ResultDesc: optionalString,
      CallbackMetadata: z.object({ Item: oneOrMany(itemSchema) }).optional(),
    }),
  }),
});

export interface StkCallback {
  merchantRequestId: string;
  checkoutRequestId: string;
  resultCode: string;
  resultDesc: string;
  amount?: number; // whole KES
  mpesaReceiptNumber?: string;
  transactionDate?: Date; // from the EAT YYYYMMDDHHmmss
  phoneNumber?: string; // normalised 2547…/2541…, or the masked/hashed form as received
}

const WHAT = "STK callback";

export function parseStkCallback(body: unknown): StkCallback {
  const cb = parseWith(WHAT, schema, body).Body.stkCallback;
  // Look items up by Name, never by position: their number and order vary.
  const items = new Map<string, string | number>();
  for (const item of cb.CallbackMetadata?.Item ?? []) {
    if (item.Value !== undefined && item.Value !== null && item.Value !== "") items.set(item.Name, item.Value);
  }
  const result: StkCallback = {
    merchantRequestId: cb.MerchantRequestID,
    checkoutRequestId: cb.CheckoutRequestID,
    resultCode: cb.ResultCode,
    resultDesc: cb.ResultDesc,
  };
  const amount = items.get("Amount");
  if (amount !== undefined) {
    const n = Number(amount);
    if (!Number.isFinite(n)) throw new MalformedPayloadError(WHAT, [`Amount: ${amount} is not a number`]);
    result.amount = wholeKes(WHAT, "Amount", n); // 1.00 → 1
  }
  const receipt = items.get("MpesaReceiptNumber");
  if (receipt !== undefined) result.mpesaReceiptNumber = String(receipt).trim().toUpperCase();
  const date = items.get("TransactionDate");
  if (date !== undefined) {
    const parsed = parseEatTimestamp(date);
    if (!parsed) throw new MalformedPayloadError(WHAT, [`TransactionDate: ${date} is not YYYYMMDDHHmmss`]);
    result.transactionDate = parsed;
  }
  const phone = items.get("PhoneNumber");
  if (phone !== undefined) result.phoneNumber = payerString(phone);
  if (cb.ResultCode === "0" && !result.mpesaReceiptNumber) {
    throw new MalformedPayloadError(WHAT, ["CallbackMetadata: a successful payment without MpesaReceiptNumber"]);
  }
  return result;
}

/** Normalised number when it is one; masked or hashed forms (possible in future) are kept as given. */
function payerString(value: string | number): string {
  try {
    const id = identifyPayer(value);
    return id.kind === "msisdn" ? id.msisdn : id.kind === "hashed" ? id.hash : id.masked;
  } catch {
    return String(value); // an odd phone format must not lose a paid callback; it is informational
  }
}
