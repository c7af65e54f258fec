import { InvalidPhoneNumberError } from "./errors";
import { MsisdnSchema, type Msisdn } from "./types";

// Reference §9. Safaricom prefixes are not enforced: numbers port between networks, so any 7xx/1xx
// number is passed on and Daraja has the last word (400.002.02 or SFC_IC0003).

const SEPARATORS = /[\s\-()]/g;
const FORMS: RegExp[] = [
  /^0([17]\d{8})$/, // 07XXXXXXXX / 01XXXXXXXX
  /^\+254([17]\d{8})$/, // +2547… / +2541…
  /^254([17]\d{8})$/, // 2547… / 2541…
  /^([17]\d{8})$/, // 7XXXXXXXX / 1XXXXXXXX
];

/** Any documented spelling of a Kenyan mobile number → "2547…"/"2541…". Throws InvalidPhoneNumberError. */
export function normalizeMsisdn(input: string | number, field = "phone"): Msisdn {
  const raw = String(input ?? "");
  const compact = raw.replace(SEPARATORS, "");
  for (const form of FORMS) {
    const match = form.exec(compact);
    if (match) return MsisdnSchema.parse(`254${match[1]}`);
  }
  throw new InvalidPhoneNumberError(raw, field);
}

/** C2B v1 callbacks carry SHA-256(MSISDN) as 64 hex characters: an identifier, not a dialable number. */
export function isHashedMsisdn(value: string): boolean {
  return /^[0-9a-f]{64}$/i.test(value.trim());
}

/** v2 callbacks mask the middle digits: "2547 ***** 126", older "25470****149". */
export function isMaskedMsisdn(value: string): boolean {
  return /\*/.test(value) && /^[\d\s*]+$/.test(value.trim());
}

export type PayerIdentifier =
  { kind: "msisdn"; msisdn: Msisdn } | { kind: "hashed"; hash: string } | { kind: "masked"; masked: string };

/**
 * For inbound payloads only: keeps hashed and masked identifiers as they are (lower-cased hash),
 * normalises real numbers, and throws InvalidPhoneNumberError for anything else.
 */
export function identifyPayer(value: string | number): PayerIdentifier {
  const s = String(value).trim();
  if (isHashedMsisdn(s)) return { kind: "hashed", hash: s.toLowerCase() };
  if (isMaskedMsisdn(s)) return { kind: "masked", masked: s };
  return { kind: "msisdn", msisdn: normalizeMsisdn(s, "msisdn") };
}
