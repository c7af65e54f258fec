import { instantFromEat } from "../../../lib/eat";

// The Payments list's filters, as they travel in the URL (?q=&status=&channel=&from=&to=&page=), read
// into one typed value. Pure: the page (browser) and the loaders (server) read the same URL the same way.
// Dates are EAT calendar days (Kenya keeps UTC+3 all year): `from` 2026-12-01 starts at 00:00 EAT on the
// 1st, `to` 2026-12-01 ends at 24:00 EAT on the 1st.

export const STATUS_FILTERS = [
  { id: "paid", label: "Paid" },
  { id: "needs_review", label: "Needs review" },
  { id: "pending", label: "Waiting" },
  { id: "unsuccessful", label: "Not paid" },
] as const;
export type StatusFilter = (typeof STATUS_FILTERS)[number]["id"];

export const CHANNEL_FILTERS = [
  { id: "stk", label: "M-PESA prompt (STK)" },
  { id: "paybill", label: "Paybill" },
  { id: "till", label: "Till (Buy Goods)" },
] as const;
export type ChannelFilter = (typeof CHANNEL_FILTERS)[number]["id"];

export interface PaymentFilters {
  /** Free text: a receipt, a phone number, an order name or an amount in shillings. */
  q: string;
  statuses: StatusFilter[];
  channels: ChannelFilter[];
  /** EAT calendar days, "YYYY-MM-DD", or "" for open-ended. */
  from: string;
  to: string;
  page: number;
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** "2026-12-01" when it is a real calendar day, else "". */
export function readDay(value: string | null): string {
  const m = value ? DAY.exec(value.trim()) : null;
  if (!m) return "";
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const probe = new Date(Date.UTC(y, mo - 1, d));
  return probe.getUTCFullYear() === y && probe.getUTCMonth() === mo - 1 && probe.getUTCDate() === d ? m[0] : "";
}

const listOf = <T extends string>(params: URLSearchParams, key: string, allowed: readonly { id: T }[]): T[] => {
  const wanted = params
    .getAll(key)
    .flatMap((v) => v.split(","))
    .map((v) => v.trim());
  return allowed.map((a) => a.id).filter((id) => wanted.includes(id));
};

export function parsePaymentFilters(params: URLSearchParams): PaymentFilters {
  const page = Number(params.get("page"));
  let from = readDay(params.get("from"));
  let to = readDay(params.get("to"));
  if (from && to && from > to) [from, to] = [to, from];
  return {
    q: (params.get("q") ?? "").trim().slice(0, 100),
    statuses: listOf(params, "status", STATUS_FILTERS),
    channels: listOf(params, "channel", CHANNEL_FILTERS),
    from,
    to,
    page: Number.isSafeInteger(page) && page > 0 ? page : 1,
  };
}

/** The filters back as URL parameters (page left out unless asked for). */
export function filtersToParams(f: Omit<PaymentFilters, "page"> & { page?: number }): URLSearchParams {
  const p = new URLSearchParams();
  if (f.q) p.set("q", f.q);
  if (f.statuses.length) p.set("status", f.statuses.join(","));
  if (f.channels.length) p.set("channel", f.channels.join(","));
  if (f.from) p.set("from", f.from);
  if (f.to) p.set("to", f.to);
  if (f.page && f.page > 1) p.set("page", String(f.page));
  return p;
}

/** The instants [start, end) the EAT day range covers; null ends are open. */
export function eatRange(f: Pick<PaymentFilters, "from" | "to">): { start: Date | null; end: Date | null } {
  const at = (day: string, plusDays: number) => {
    const [y, m, d] = day.split("-").map(Number);
    return instantFromEat(y, m - 1, d + plusDays, 0, 0, 0);
  };
  return { start: f.from ? at(f.from, 0) : null, end: f.to ? at(f.to, 1) : null };
}

export interface SearchTerms {
  /** Upper-cased text, for receipts (M-PESA receipts are upper-case letters and digits). */
  receipt: string;
  /** Lower-cased text, for order names ("#1001", "1001"). */
  text: string;
  /** A Kenyan phone number's last nine digits (07…, 2547…, +2547… all name the same phone), or null. */
  phoneTail: string | null;
  /** Whole shillings when the text is an amount ("1250", "1,250", "KES 1,250"), or null. */
  amountKes: number | null;
}

export function searchTerms(q: string): SearchTerms | null {
  const t = q.trim();
  if (!t) return null;
  const digits = t.replace(/[\s\-()]/g, "");
  const phone = /^(?:\+?254|0)?([17]\d{8})$/.exec(digits);
  const amountText = t.replace(/^kes\s*/i, "").replace(/,/g, "");
  const amount = /^\d{1,9}$/.test(amountText) ? Number(amountText) : null;
  return {
    receipt: t.toUpperCase(),
    text: t.toLowerCase(),
    phoneTail: phone ? phone[1] : null,
    amountKes: amount,
  };
}

/** What the filters say, in words, for the export's file and the page's summary. */
export function describeRange(f: Pick<PaymentFilters, "from" | "to">): string {
  if (f.from && f.to) return f.from === f.to ? `on ${f.from}` : `from ${f.from} to ${f.to}`;
  if (f.from) return `from ${f.from}`;
  if (f.to) return `up to ${f.to}`;
  return "";
}
