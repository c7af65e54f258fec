// Amounts are kept in integer minor units (cents) so sums never drift; the API speaks Decimal strings.

/** "1500", "1500.5", 1500.5 -> 150050. NaN when it is not a plain decimal with at most 2 places. */
export function toCents(value: unknown): number {
  const s = typeof value === "number" ? String(value) : typeof value === "string" ? value.trim() : "";
  const m = /^(-)?(\d+)(?:\.(\d{1,2})0*)?$/.exec(s);
  if (!m) return Number.NaN;
  const cents = Number(m[2]) * 100 + Number((m[3] ?? "").padEnd(2, "0"));
  return m[1] ? -cents : cents;
}

/** Shopify-style Decimal: 150000 -> "1500.0", 150050 -> "1500.5", 1234 -> "12.34". */
export function toDecimal(cents: number): string {
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(cents);
  const whole = Math.floor(abs / 100);
  const frac = String(abs % 100)
    .padStart(2, "0")
    .replace(/0$/, "");
  return `${sign}${whole}.${frac || "0"}`;
}
