// The one rule for phone numbers in anything shown or logged: logs (logger.server.ts), the merchant's
// dashboard (callback bodies) and customer redaction (webhooks/redaction.ts) all use this pattern and
// this walker, so a number hidden in one place is hidden in all of them.

/** Kenyan mobile numbers as Daraja writes them (2547…, 2541…) and as people type them (+254…, 07…, 01…). */
export const KENYAN_MSISDN_SOURCE = String.raw`(?<!\d)(?:\+?254|0)[17]\d{8}(?!\d)`;
const kenyanMsisdn = () => new RegExp(KENYAN_MSISDN_SOURCE, "g");
/** Keys whose value is a phone number whatever it looks like (C2B `MSISDN`, STK `PhoneNumber`, `phone`). */
export const PHONE_KEY = /phone|msisdn/i;

/** 254712345678 -> 2547****5678. Anything that is not a plain phone number is masked entirely. */
export function maskMsisdn(msisdn: string | number | null | undefined): string {
  if (msisdn === null || msisdn === undefined || msisdn === "") return "";
  const digits = String(msisdn).replace(/^\+/, "");
  if (/^\d{4}\*{4}\d{4}$/.test(digits)) return digits; // already masked
  if (!/^\d{9,12}$/.test(digits)) return "****";
  return `${digits.slice(0, 4)}****${digits.slice(-4)}`;
}

export type PhoneReplacer = (phone: string) => string;

/** Every Kenyan MSISDN in the text replaced (masked by default). */
export function maskPhonesInText(text: string, replace: PhoneReplacer = maskMsisdn): string {
  return text.replace(kenyanMsisdn(), (m) => replace(m));
}

/**
 * A JSON-like value with every phone number replaced: any MSISDN-looking string or number anywhere,
 * any value of a phone-named key, and the `Value` of a `{ Name: "PhoneNumber", Value }` metadata item.
 */
export function maskPhonesDeep(value: unknown, replace: PhoneReplacer = maskMsisdn): unknown {
  const whole = (v: unknown) => (typeof v === "string" || typeof v === "number" ? replace(String(v)) : replace(""));
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return maskPhonesInText(v, replace);
    if (typeof v === "number") {
      const masked = maskPhonesInText(String(v), replace);
      return masked === String(v) ? v : masked;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
      const entries = Object.entries(v as Record<string, unknown>);
      const namesPhone = entries.some(([k, x]) => k === "Name" && typeof x === "string" && PHONE_KEY.test(x));
      return Object.fromEntries(
        entries.map(([k, x]) => [
          k,
          (PHONE_KEY.test(k) || (namesPhone && k === "Value")) && x !== null && typeof x !== "object"
            ? whole(x)
            : walk(x),
        ]),
      );
    }
    return v;
  };
  return walk(value);
}

/** A stored document (JSON text, or anything else) with its phone numbers masked; JSON stays JSON. */
export function maskPhonesInDocument(raw: string, indent?: number): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return maskPhonesInText(raw); // malformed or truncated (oversized) bodies: mask what the pattern finds
  }
  return JSON.stringify(maskPhonesDeep(parsed), null, indent);
}
