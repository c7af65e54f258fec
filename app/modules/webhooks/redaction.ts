import { maskPhonesDeep, maskPhonesInText } from "../../lib/phone-mask";

// Erasing a customer's phone numbers (and names/emails) from stored raw payloads while keeping the
// payment facts (amounts, receipts, dates) around them. Phone numbers follow the one phone rule
// (lib/phone-mask.ts: the same pattern and phone-named keys as logs and the dashboard), replaced
// by "[redacted]" instead of masked; names, emails and the customer's own known numbers are added here.

export const REDACTED = "[redacted]";

const redact = () => REDACTED;
// Keys whose value is personal whatever it looks like (C2B confirmations carry names).
const NAME_OR_EMAIL_KEY = /^(?:first_?name|middle_?name|last_?name|e-?mail)$/i;

/** The digit strings one phone number may be stored as: 254712345678, 0712345678, 712345678. */
export function phoneForms(phone: string): string[] {
  const digits = phone.replace(/\D/g, "");
  const national = /^(?:254|0)?([17]\d{8})$/.exec(digits)?.[1];
  if (!national) return digits.length >= 6 ? [digits] : [];
  return [`254${national}`, `0${national}`, national];
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

export function createScrubber(known: { phones: string[]; emails: string[] }) {
  const digitForms = [...new Set(known.phones.flatMap(phoneForms))].sort((a, b) => b.length - a.length);
  const knownPattern = digitForms.length
    ? new RegExp(`\\+?(?<!\\d)(?:${digitForms.map(escape).join("|")})(?!\\d)`, "g")
    : null;
  const emails = known.emails.filter(Boolean).map((e) => e.toLowerCase());

  function scrubString(text: string): string {
    let out = maskPhonesInText(text, redact);
    if (knownPattern) out = out.replace(knownPattern, REDACTED);
    for (const email of emails) out = out.replace(new RegExp(escape(email), "gi"), REDACTED);
    return out;
  }

  function scrubValue(value: unknown, key?: string): unknown {
    if (key !== undefined && NAME_OR_EMAIL_KEY.test(key) && value !== null && typeof value !== "object")
      return REDACTED;
    if (typeof value === "string") return scrubString(value);
    if (typeof value === "number") return scrubString(String(value)) === String(value) ? value : REDACTED;
    if (Array.isArray(value)) return value.map((v) => scrubValue(v));
    if (value && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrubValue(v, k)]));
    }
    return value;
  }

  /** Scrubs a stored JSON document structurally (so it stays valid JSON), or as plain text if it is not JSON. */
  function scrubDocument(text: string): string {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return scrubString(text);
    }
    const scrubbed = scrubValue(maskPhonesDeep(parsed, redact));
    // Unchanged documents keep their exact bytes.
    return JSON.stringify(scrubbed) === JSON.stringify(parsed) ? text : JSON.stringify(scrubbed);
  }

  /** Substrings worth a LIKE search to find rows that may hold these personal data. */
  const searchTerms = [
    ...new Set([...digitForms.filter((f) => f.length === 9 || !/^(?:254|0)[17]/.test(f)), ...emails]),
  ];

  return { scrubDocument, scrubString, searchTerms };
}

/**
 * A statement row's Details with the other party erased: `Pay Bill from 25470****111 - JANE DOE Acc.
 * SHP10492` -> `Pay Bill from [redacted] Acc. SHP10492` (the account typed is an order reference, kept);
 * `Business Payment to 2547****678 - JOHN` -> `Business Payment to [redacted]`. Full phone numbers anywhere
 * else in the text are erased too.
 */
export function redactStatementDetails(details: string): string {
  const out = details.replace(/\b(from|to)\s+(?!\[redacted\]).+?(?=\s+Acc\.|$)/i, `$1 ${REDACTED}`);
  return maskPhonesInText(out, redact);
}
