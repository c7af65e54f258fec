// Shopify sends money as Decimal strings ("1500.0", "12.34"); M-PESA charges whole shillings.

/** "1500.5" -> 150050 cents, without floating point. Null for anything that is not a plain decimal. */
export function decimalToCents(value: string | null | undefined): number | null {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(String(value ?? "").trim());
  if (!m) return null;
  const fraction = (m[2] ?? "").padEnd(2, "0");
  const cents = Number(m[1]) * 100 + Number(fraction.slice(0, 2));
  // Anything beyond the second decimal place still means "more than this many cents".
  return /[1-9]/.test(fraction.slice(2)) ? cents + 1 : cents;
}

/** Whole shillings needed to cover an amount: 1500.01 -> 1501. */
export const centsToKesCeil = (cents: number) => Math.ceil(cents / 100);
