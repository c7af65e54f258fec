// Reading single cells of an Org Portal statement: amounts, times, receipts, account numbers and the
// other party. Each reader takes a cell as a reader hands it over (CSV: strings; XLSX: numbers, Dates
// and strings) and never uses floating-point arithmetic on money.
import { instantFromEat } from "../../../lib/eat";
import { maskMsisdn, maskPhonesInText } from "../../../lib/phone-mask";
import type { Cell } from "./types";

export const cellText = (cell: Cell): string => {
  if (cell === null || cell === undefined) return "";
  if (cell instanceof Date) return cell.toISOString();
  return String(cell).trim();
};

export const isBlank = (cell: Cell) => cellText(cell) === "";

/**
 * An amount in exact integer cents: numbers (XLSX) or strings such as `"1,053.00"`, `-60.00`,
 * `KES 1 053.00`, `(60.00)`. Blank -> null; anything else unreadable -> undefined.
 */
export function parseCents(cell: Cell): number | null | undefined {
  if (cell === null || cell === undefined || cell === "") return null;
  if (typeof cell === "number") {
    if (!Number.isFinite(cell) || Math.abs(cell) >= 1e13) return undefined;
    // A binary double of a two-decimal amount: toFixed(2) rounds to the decimal it was typed as.
    return parseCents(cell.toFixed(2));
  }
  if (typeof cell !== "string") return undefined;
  let s = cell.replace(/[\s\u00a0,]/g, "").replace(/^KES|KES$|^KSH|KSH$/i, "");
  if (s === "") return null;
  let negative = false;
  if (/^\(.*\)$/.test(s)) {
    negative = true;
    s = s.slice(1, -1);
  }
  if (s.startsWith("-")) {
    negative = !negative;
    s = s.slice(1);
  } else if (s.startsWith("+")) s = s.slice(1);
  const m = /^(\d{1,13})(?:\.(\d{1,2})\d*)?$/.exec(s);
  if (!m) return undefined;
  // More than two decimals: only zeros are accepted (an export never has sub-cent amounts).
  const decimals = s.split(".")[1] ?? "";
  if (decimals.length > 2 && /[1-9]/.test(decimals.slice(2))) return undefined;
  const cents = Number(m[1]) * 100 + Number((m[2] ?? "").padEnd(2, "0"));
  return negative ? -cents : cents;
}

/** "1,053.00" style, for messages. */
export function formatKes(cents: number): string {
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(cents);
  const whole = Math.floor(abs / 100)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${sign}${whole}.${String(abs % 100).padStart(2, "0")}`;
}

export type TimeReading =
  { ok: true; at: Date; order?: "day-first" | "unknown" } | { ok: false; monthFirst?: boolean } | { ok: null }; // blank

const EXCEL_EPOCH_MS = Date.UTC(1899, 11, 30);

function fromWallClock(y: number, mo: number, d: number, h: number, mi: number, s: number): Date | null {
  const probe = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  if (
    probe.getUTCFullYear() !== y ||
    probe.getUTCMonth() !== mo - 1 ||
    probe.getUTCDate() !== d ||
    h > 23 ||
    mi > 59 ||
    s > 59 ||
    y < 2000 ||
    y > 2100
  )
    return null;
  return instantFromEat(y, mo - 1, d, h, mi, s);
}

/**
 * A statement time (EAT, no offset in the file): `dd-mm-yyyy HH:mm:ss` (also `/` or `.`, without
 * seconds, with AM/PM), ISO-like `yyyy-mm-dd HH:mm:ss`, an Excel serial number, or a Date cell (whose
 * UTC fields are the wall clock, as spreadsheet readers build them). Day-first is the only order read;
 * `monthFirst: true` marks a value that is impossible day-first but valid month-first (a file re-saved
 * in another locale).
 */
export function parseStatementTime(cell: Cell): TimeReading {
  if (cell === null || cell === undefined || cell === "") return { ok: null };
  if (cell instanceof Date) {
    if (Number.isNaN(cell.getTime())) return { ok: false };
    const wall = new Date(Math.round(cell.getTime() / 1000) * 1000);
    const at = fromWallClock(
      wall.getUTCFullYear(),
      wall.getUTCMonth() + 1,
      wall.getUTCDate(),
      wall.getUTCHours(),
      wall.getUTCMinutes(),
      wall.getUTCSeconds(),
    );
    return at ? { ok: true, at } : { ok: false };
  }
  if (typeof cell === "number") return excelSerial(cell);
  if (typeof cell !== "string") return { ok: false };
  const s = cell.trim();
  if (s === "") return { ok: null };
  if (/^\d{5}(?:\.\d+)?$/.test(s)) return excelSerial(Number(s));
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(s);
  if (iso) {
    const [y, mo, d, h, mi, sec] = iso.slice(1).map((v) => Number(v ?? 0));
    const at = fromWallClock(y, mo, d, h, mi, sec);
    return at ? { ok: true, at, order: "unknown" } : { ok: false };
  }
  const dmy = /^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?$/.exec(s);
  if (!dmy) return { ok: false };
  const [a, b, y, h0, mi, sec] = dmy.slice(1, 7).map((v) => Number(v ?? 0));
  let h = h0;
  const ampm = dmy[7]?.toUpperCase();
  if (ampm) {
    if (h < 1 || h > 12) return { ok: false };
    h = (h % 12) + (ampm === "PM" ? 12 : 0);
  }
  const at = fromWallClock(y, b, a, h, mi, sec);
  if (at) return { ok: true, at, order: a > 12 ? "day-first" : "unknown" };
  return { ok: false, monthFirst: b > 12 && a <= 12 && fromWallClock(y, a, b, h, mi, sec) !== null };
}

function excelSerial(serial: number): TimeReading {
  // 36526 = 2000-01-01; 73051 = 2100-01-01. Anything else is not a statement time.
  if (!Number.isFinite(serial) || serial < 36526 || serial >= 73051) return { ok: false };
  const wall = new Date(EXCEL_EPOCH_MS + Math.round(serial * 86_400) * 1000);
  return parseStatementTime(wall);
}

/** M-PESA receipts: 10 upper-case letters/digits today; older exports may be lower-case. */
export function parseReceipt(cell: Cell): string | null {
  const s = cellText(cell).toUpperCase();
  return /^[A-Z0-9]{8,12}$/.test(s) ? s : null;
}

/** A shortcode cell: `123456`, `778899.0` or the number 778899 -> "778899". */
export function parseShortCode(cell: Cell): string | null {
  const s = typeof cell === "number" && Number.isInteger(cell) ? String(cell) : cellText(cell);
  const m = /^(\d{4,8})(?:\.0+)?$/.exec(s);
  return m ? m[1] : null;
}

/** A/C No.: Excel may turn `850060` into `850060.0`; leading zeros are kept. */
export function parseAccountNo(cell: Cell): { raw: string | null; normalised: string | null } {
  let raw = typeof cell === "number" && Number.isInteger(cell) ? String(cell) : cellText(cell);
  if (/^\d+\.0+$/.test(raw)) raw = raw.replace(/\.0+$/, "");
  if (raw === "") return { raw: null, normalised: null };
  return { raw, normalised: normaliseAccountNo(raw) || null };
}

/** The one account-number rule (C2B BillRefNumber alike): trim, upper-case, drop spaces, `#` and `-`. */
export const normaliseAccountNo = (raw: string) =>
  raw
    .trim()
    .toUpperCase()
    .replace(/[\s#-]/g, "");

/**
 * Other Party Info, in its four shapes: `25470****111 - ALICE **** EXAMPLE` (masked MSISDN and names),
 * `070****444 - DAVE`, `0722926212 - NAME` (older exports: a full number, masked here), `SP` on charge
 * rows; blank on settlements. A shortcode party (`600000 - ORG`) keeps its number.
 */
export function parseOtherParty(cell: Cell): { msisdn: string | null; name: string | null } {
  const s = cellText(cell);
  if (s === "") return { msisdn: null, name: null };
  const m = /^([+\d][\d* ]{3,18}?)\s*-\s*(.*)$/.exec(s);
  if (!m) return { msisdn: null, name: cleanName(maskPhonesInText(s)) };
  const token = m[1].replace(/\s/g, "");
  let msisdn: string;
  if (token.includes("*")) msisdn = token;
  else if (/^\+?\d{9,12}$/.test(token)) msisdn = maskMsisdn(token);
  else msisdn = token; // a shortcode, not a person's number
  return { msisdn, name: cleanName(m[2]) };
}

const cleanName = (name: string): string | null => {
  const cleaned = name
    .split(/\s+/)
    .filter((t) => t !== "" && !/^\*+$/.test(t))
    .join(" ");
  return cleaned === "" ? null : cleaned;
};

/** Details text with any full phone number masked (older exports print them). */
export const cleanDetails = (cell: Cell) => maskPhonesInText(cellText(cell));
