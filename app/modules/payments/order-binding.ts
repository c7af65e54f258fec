import crypto from "node:crypto";
import type { PayableOrder } from "../shopify/order-for-payment";
import type { RefusalCode } from "./payability";

// Binding an extension request to one order (issue 9 H1). A session token proves the shop and, with a
// `sub`, the customer, never the order: the extension also sends the order's confirmation number, which
// only the buyer's own thank-you / order-status page has, and Shopify's Order.confirmationNumber must
// match it. Every failure answers like an order that does not exist, so nothing tells a guesser
// which order ids exist, whose they are, or how close a guess was.

/** Who asks, as far as the request shows it. */
export interface OrderCaller {
  /** What the extension sent (thank-you: `orderConfirmation.number`; order-status: `order.confirmationNumber`). */
  confirmationNumber: string;
  /** The customer the session token names: then the order must be theirs. */
  customerGid?: string;
}

export type Binding =
  { bound: true } | { bound: false; reason: Extract<RefusalCode, "ORDER_NOT_FOUND_YET" | "NO_CONFIRMATION_NUMBER"> };

export function bindOrder(order: PayableOrder | null, caller: OrderCaller): Binding {
  if (!order) return { bound: false, reason: "ORDER_NOT_FOUND_YET" };
  if (caller.customerGid !== undefined && order.customerId !== caller.customerGid) {
    return { bound: false, reason: "ORDER_NOT_FOUND_YET" };
  }
  // Orders from before Shopify had confirmation numbers (2024) cannot be bound: refused, with a reason.
  if (!order.confirmationNumber) return { bound: false, reason: "NO_CONFIRMATION_NUMBER" };
  if (!confirmationMatches(caller.confirmationNumber, order.confirmationNumber))
    return { bound: false, reason: "ORDER_NOT_FOUND_YET" };
  return { bound: true };
}

/** Case-insensitive and constant-time (fixed-length digests, so neither length nor prefix leaks). */
export function confirmationMatches(sent: string, actual: string): boolean {
  const digest = (value: string) => crypto.createHash("sha256").update(value.trim().toUpperCase()).digest();
  return crypto.timingSafeEqual(digest(sent), digest(actual));
}

/** A confirmation number as the extension may send it: 1–64 letters and digits. */
export function parseConfirmationNumber(value: unknown): string | null {
  return typeof value === "string" && /^[A-Za-z0-9]{1,64}$/.test(value.trim()) ? value.trim() : null;
}
