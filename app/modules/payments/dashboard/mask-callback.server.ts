import { maskMsisdn } from "../../../lib/logger.server";

// Stored callback bodies carry the customer's phone number (STK metadata `PhoneNumber`, C2B `MSISDN`).
// The merchant sees the body to check what Safaricom said, never the number: mask every Kenyan MSISDN
// anywhere in it, and any value that a phone-named field or metadata item holds, whatever its form.

const KENYAN_MSISDN = /(?<!\d)254[17]\d{8}(?!\d)/g;
const PHONE_NAME = /phone|msisdn/i;

export function maskPhonesInText(text: string): string {
  return text.replace(KENYAN_MSISDN, (m) => maskMsisdn(m));
}

/** The body pretty-printed when it is JSON (as received otherwise), with phone numbers masked. */
export function maskedCallbackBody(raw: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    // Malformed or truncated (oversized) bodies are kept as received: mask what the pattern finds.
    return maskPhonesInText(raw);
  }
  return JSON.stringify(maskValue(parsed), null, 2);
}

function maskValue(value: unknown): unknown {
  if (typeof value === "string") return maskPhonesInText(value);
  if (typeof value === "number") {
    const masked = maskPhonesInText(String(value));
    return masked === String(value) ? value : masked;
  }
  if (Array.isArray(value)) return value.map(maskValue);
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>);
    // STK metadata items: { "Name": "PhoneNumber", "Value": 254708374149 }
    const namesPhone = entries.some(([k, v]) => k === "Name" && typeof v === "string" && PHONE_NAME.test(v));
    return Object.fromEntries(
      entries.map(([k, v]) => [k, (PHONE_NAME.test(k) || (namesPhone && k === "Value")) && v !== null ? maskWhole(v) : maskValue(v)]),
    );
  }
  return value;
}

function maskWhole(v: unknown): string {
  return typeof v === "string" || typeof v === "number" ? maskMsisdn(String(v)) : "****";
}
