import { formatKes as formatKesAmount } from "@mpesa-checkout/pay-contract";
import { eatWallClock } from "../../../lib/eat";

// Display formats for the merchant's Payments pages. Pure: safe for server and browser.

// EAT by the one conversion (lib/eat.ts). Formatting by hand (rather than Intl) keeps
// "29 Nov 2026, 14:05" identical whatever ICU data the server ships (newer ICU spells September "Sept").
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const pad = (n: number) => String(n).padStart(2, "0");

/** An instant as "29 Nov 2026, 14:05" in EAT ("…, 14:05:09" with seconds); "" for none. */
export function formatEat(instant: Date | null | undefined, opts: { seconds?: boolean } = {}): string {
  if (!instant) return "";
  const d = eatWallClock(instant);
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}${opts.seconds ? `:${pad(d.getUTCSeconds())}` : ""}`;
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}, ${time}`;
}

/** Integer shillings as "KES 12,500" (the contract's one formatter); "" for none. */
export function formatKes(amount: number | null | undefined): string {
  return amount === null || amount === undefined ? "" : formatKesAmount(amount);
}
