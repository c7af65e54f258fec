import { eatWallClock, instantFromEat } from "../../lib/eat";
import type { Clock } from "./types";

// Daraja timestamps are wall-clock times in East Africa Time (UTC+3, no daylight saving), whatever
// the server's TZ (docs/DARAJA.md §2.4); the conversion is lib/eat.ts.

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

function eatParts(instant: Date) {
  const d = eatWallClock(instant);
  return {
    y: d.getUTCFullYear(),
    mo: pad(d.getUTCMonth() + 1),
    d: pad(d.getUTCDate()),
    h: pad(d.getUTCHours()),
    mi: pad(d.getUTCMinutes()),
    s: pad(d.getUTCSeconds()),
  };
}

/** YYYYMMDDHHmmss in EAT. */
export function eatTimestamp(instant: Date): string {
  const p = eatParts(instant);
  return `${p.y}${p.mo}${p.d}${p.h}${p.mi}${p.s}`;
}

/** "YYYY-MM-DD HH:mm:ss" in EAT (Pull Transactions StartDate/EndDate). */
export function eatDateTime(instant: Date): string {
  const p = eatParts(instant);
  return `${p.y}-${p.mo}-${p.d} ${p.h}:${p.mi}:${p.s}`;
}

/** base64(shortcode + passkey + timestamp): the STK Password. */
export function stkPassword(businessShortCode: string | number, passkey: string, timestamp: string): string {
  return Buffer.from(`${businessShortCode}${passkey}${timestamp}`, "utf8").toString("base64");
}

/**
 * Password and Timestamp from ONE clock reading, so they can never straddle a second boundary.
 */
export function stkCredentials(businessShortCode: string | number, passkey: string, clock: Clock) {
  const timestamp = eatTimestamp(clock.now());
  return { timestamp, password: stkPassword(businessShortCode, passkey, timestamp) };
}

/** Parses an EAT YYYYMMDDHHmmss (string or number) into the instant it denotes; null if invalid. */
export function parseEatTimestamp(value: string | number): Date | null {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(String(value).trim());
  if (!m) return null;
  return fromEatFields(+m[1], +m[2], +m[3], +m[4], +m[5], +m[6]);
}

/** Parses "dd.MM.yyyy HH:mm:ss" in EAT (B2C TransactionCompletedDateTime); null if invalid. */
export function parseEatDotted(value: string): Date | null {
  const m = /^(\d{2})\.(\d{2})\.(\d{4}) (\d{2}):(\d{2}):(\d{2})$/.exec(value.trim());
  if (!m) return null;
  return fromEatFields(+m[3], +m[2], +m[1], +m[4], +m[5], +m[6]);
}

function fromEatFields(y: number, mo: number, d: number, h: number, mi: number, s: number): Date | null {
  const instant = instantFromEat(y, mo - 1, d, h, mi, s);
  const check = eatWallClock(instant);
  // Reject rollovers such as month 13 or 31 February.
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return null;
  return instant;
}
