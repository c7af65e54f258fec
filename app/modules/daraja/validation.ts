import { DarajaRequestValidationError } from "./errors";
import type { DarajaEnvironment } from "./types";

// Pre-flight checks: Daraja often accepts a bad request synchronously and fails later (a long
// AccountReference is accepted, then no prompt arrives), so we refuse it here and name the field.

const fail = (field: string, message: string): never => {
  throw new DarajaRequestValidationError(field, `${field} ${message}`);
};

export function text(
  field: string,
  value: unknown,
  opts: { min?: number; max: number; pattern?: RegExp; patternHint?: string },
): string {
  if (typeof value !== "string") return fail(field, "is required");
  const v = value.trim();
  const min = opts.min ?? 1;
  if (v.length < min) return fail(field, min === 1 ? "is required" : `must be at least ${min} characters`);
  if (v.length > opts.max) return fail(field, `must be at most ${opts.max} characters (got ${v.length})`);
  if (opts.pattern && !opts.pattern.test(v)) return fail(field, `must be ${opts.patternHint ?? "well-formed"}`);
  return v;
}

export function optionalText(field: string, value: unknown, max: number): string | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  return text(field, value, { max });
}

/** Whole shillings within [min, max]. Daraja rejects fractions ("only whole numbers are supported"). */
export function amount(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isFinite(value)) return fail(field, "must be a number of shillings");
  if (!Number.isInteger(value)) return fail(field, "must be whole shillings (no cents)");
  if (value < min) return fail(field, `must be at least KES ${min}`);
  if (value > max) return fail(field, `must be at most KES ${max.toLocaleString("en-KE")}`);
  return value;
}

/** Paybill/till/org shortcodes: 5–7 digits in the docs; we allow up to 8 in case of longer tills. */
export function shortCode(field: string, value: unknown): string {
  const v = typeof value === "number" ? String(value) : value;
  return text(field, v, { max: 8, pattern: /^\d{5,8}$/, patternHint: "a 5–8 digit shortcode" });
}

// Daraja rejects C2B URLs containing these words in any case (docs/DARAJA.md §3.1).
export const C2B_BANNED_URL_WORDS = ["m-pesa", "mpesa", "safaricom", "exec", "exe", "cmd", "sql", "query"] as const;
const C2B_BANNED = C2B_BANNED_URL_WORDS;

/** The first word of C2B_BANNED_URL_WORDS the URL contains (any case), or null. */
export function c2bBannedWordIn(url: string): string | null {
  const lower = url.toLowerCase();
  return C2B_BANNED.find((w) => lower.includes(w)) ?? null;
}

/**
 * A URL Daraja will post to: absolute http(s), no whitespace (400.002.02 Invalid CallBackURL),
 * https in production. `c2b` adds the banned-word rule of C2B registration.
 */
export function callbackUrl(field: string, value: unknown, env: DarajaEnvironment, c2b = false): string {
  if (typeof value !== "string" || value === "") return fail(field, "is required");
  if (/\s/.test(value)) return fail(field, "must not contain whitespace");
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail(field, "must be an absolute URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return fail(field, "must be an http(s) URL");
  if (env === "production" && url.protocol !== "https:") return fail(field, "must use https in production");
  if (c2b) {
    const word = c2bBannedWordIn(value);
    if (word) return fail(field, `must not contain the word "${word}" (Daraja rejects it)`);
  }
  return value;
}

export function oneOf<T extends string>(field: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value === "string" && (allowed as readonly string[]).includes(value)) return value as T;
  return fail(field, `must be one of ${allowed.join(", ")}`);
}

/** Receipt / TransID shape: uppercase alphanumerics. */
export function transactionId(field: string, value: unknown): string {
  return text(field, value, {
    max: 20,
    pattern: /^[A-Z0-9]{6,20}$/,
    patternHint: "an M-PESA receipt such as TCE4XK91QZ",
  });
}

export function validDate(field: string, value: unknown): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) return fail(field, "must be a valid date");
  return value;
}
