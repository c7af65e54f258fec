import { maskPhonesInDocument, maskPhonesInText } from "../../../lib/phone-mask";

// Stored callback bodies carry the customer's phone number (STK metadata `PhoneNumber`, C2B `MSISDN`).
// The merchant sees the body to check what Safaricom said, never the number: the one phone rule
// (lib/phone-mask.ts) masks every Kenyan MSISDN anywhere in it (2547…, +2547…, 07…, 01…), and any
// value that a phone-named field or metadata item holds, whatever its form.

export { maskPhonesInText };

/** The body pretty-printed when it is JSON (as received otherwise), with phone numbers masked. */
export function maskedCallbackBody(raw: string): string {
  return maskPhonesInDocument(raw, 2);
}
