// Field rules shared by the endpoints. Each reader returns the normalised value or throws
// `400.002.02 Bad Request - Invalid <Field>` naming the field, as Daraja does.
import { Codes } from "./reply";
import { parseEatStamp } from "./time";

export type Body = Record<string, unknown>;

const digitsOf = (v: unknown): string | null =>
  typeof v === "number" && Number.isInteger(v) && v >= 0
    ? String(v)
    : typeof v === "string" && /^\d+$/.test(v)
      ? v
      : null;

/** Safaricom samples mix numbers and numeric strings for shortcodes; both are accepted. */
export function shortCode(body: Body, field: string): string {
  const s = digitsOf(body[field]);
  if (!s || s.length < 5 || s.length > 7) throw Codes.invalidField(field);
  return s;
}

/** `2547XXXXXXXX` / `2541XXXXXXXX`, number or string (§9); no `+`, no spaces. */
export function msisdn(body: Body, field: string): string {
  const s = digitsOf(body[field]);
  if (!s || !/^254[17]\d{8}$/.test(s)) throw Codes.invalidField(field);
  return s;
}

/** Whole shillings only ("only whole numbers are supported"); "150" is tolerated like 150. */
export function amount(body: Body, field: string, min: number, max: number): number {
  const v = body[field];
  const n = typeof v === "number" ? v : typeof v === "string" && /^\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw Codes.invalidField(field);
  return n;
}

/** Any stray whitespace makes Daraja answer Invalid CallBackURL [issue LNMOnlineAndroidSample#40]. */
export function url(body: Body, field: string, required = true): string | undefined {
  const v = body[field];
  if (v === undefined && !required) return undefined;
  if (typeof v !== "string" || /\s/.test(v) || !URL.canParse(v)) throw Codes.invalidField(field);
  const { protocol } = new URL(v);
  if (protocol !== "http:" && protocol !== "https:") throw Codes.invalidField(field);
  return v;
}

export function text(
  body: Body,
  field: string,
  opts: { min?: number; max: number; required?: boolean },
): string | undefined {
  const v = body[field];
  // Absent (or empty, for optional fields) is tolerated: many clients send "" for optional text.
  if (v === undefined || v === null || (v === "" && !opts.required)) {
    if (opts.required) throw Codes.invalidField(field);
    return undefined;
  }
  if (typeof v !== "string" || v.length < (opts.min ?? 1) || v.length > opts.max) throw Codes.invalidField(field);
  return v;
}

export function oneOf<T extends string>(body: Body, field: string, allowed: readonly T[]): T {
  const v = body[field];
  if (typeof v !== "string" || !allowed.includes(v as T)) throw Codes.invalidField(field);
  return v as T;
}

/** YYYYMMDDHHmmss and a real calendar time; returns the instant (read as EAT). */
export function timestamp(body: Body, field = "Timestamp"): { raw: string; ms: number } {
  const v = body[field];
  const raw = typeof v === "number" ? String(v) : v;
  const ms = typeof raw === "string" ? parseEatStamp(raw) : null;
  if (ms === null) throw Codes.invalidField(field);
  return { raw: raw as string, ms };
}

// C2B URL rules (§3.1): these words are refused in any case, anywhere in the URL.
const BANNED = ["m-pesa", "mpesa", "safaricom", "exec", "exe", "cmd", "sql", "query"];

export function c2bUrl(body: Body, field: string, required: boolean): string | undefined {
  const v = url(body, field, required);
  if (v === undefined) return undefined;
  const lower = v.toLowerCase();
  const word = BANNED.find((w) => lower.includes(w));
  if (word) throw Codes.bannedUrlWord(field, word);
  return v;
}
