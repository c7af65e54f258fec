// Which order a paybill/till payment is for (docs/C2B.md, "Matching"). Pure: the caller reads the
// candidate orders of ONE shop from the app's own tables (MpesaOrder, filled by orders/create and by
// the checkout extension) using `lookupKeys`, and this module decides. Nothing here calls Shopify.
//
// The customer types the account number by hand, so the reference is normalised before anything is
// compared: trimmed, upper-cased, every character that is not a letter or a digit dropped (spaces,
// `#`, `-`, `.`, `/`), and leading zeros of each run of digits dropped ("#01001" and "1001" are the
// same order number; "INV01001" is "INV1001"). A run that is all zeros keeps one "0".
//
// Then, in this order, the first rule that finds anything decides:
//   1. the account reference the app issued for the order (the rendered template, e.g. "INV1001");
//   2. the order name ("#1001" or "KE-1001"), also by its digits alone ("1001");
//   3. the order's confirmation number ("XK4B9T2QZ").
// A rule that finds two orders stops the search: an ambiguous reference is never guessed.

import { renderAccountReference } from "../settings/account-reference";

export interface OrderCandidate {
  orderGid: string;
  orderName: string | null;
  /** The keys stored on the order row (orderKeys below), so the comparison is the same everywhere. */
  referenceKey: string | null;
  nameKey: string | null;
  nameDigitsKey: string | null;
  confirmationKey: string | null;
  currency: string;
  /** Whole KES still to pay as the app last knew it; null when the shop currency is not KES. */
  outstandingKes: number | null;
  paidAt: Date | null;
  cancelledAt: Date | null;
  createdAt: Date;
}

export type MatchRule = "reference" | "order_name" | "confirmation_number";

export type UnmatchedReason =
  | "NO_REFERENCE" // till payments and empty account numbers
  | "UNKNOWN_REFERENCE"
  | "AMBIGUOUS_REFERENCE"
  | "ORDER_CANCELLED"
  | "ORDER_ALREADY_PAID"
  | "ORDER_NOT_KES"
  | "AMOUNT_NOT_WHOLE"
  | "AMOUNT_NOT_POSITIVE"
  | "PAID_BEFORE_ORDER";

export type MatchResult =
  | { matched: true; order: OrderCandidate; rule: MatchRule }
  | { matched: false; reason: UnmatchedReason; detail: string; order?: OrderCandidate; candidates?: string[] };

const keep = (s: string) =>
  s
    .trim()
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, "");

/** Drops the leading zeros of every run of digits ("INV0012" -> "INV12", "000" -> "0"). */
const dropLeadingZeros = (s: string) => s.replace(/\d+/g, (run) => run.replace(/^0+(?=\d)/, ""));

/** The comparable form of anything a customer types or the app issues. "" when nothing is left. */
export function normaliseReference(raw: string | null | undefined): string {
  return dropLeadingZeros(keep(raw ?? ""));
}

/** The keys an order row is stored with (MpesaOrder.referenceKey / nameKey / nameDigitsKey / confirmationKey). */
export function orderKeys(order: {
  accountReference?: string | null;
  orderName?: string | null;
  confirmationNumber?: string | null;
}) {
  const blank = (s: string) => (s === "" ? null : s);
  const name = normaliseReference(order.orderName);
  const digits = (order.orderName ?? "").replace(/\D/g, "");
  return {
    referenceKey: blank(normaliseReference(order.accountReference)),
    nameKey: blank(name),
    nameDigitsKey: digits ? dropLeadingZeros(digits) : null,
    confirmationKey: blank(normaliseReference(order.confirmationNumber)),
  };
}

/**
 * The paybill matching keys of an order (orderKeys above), the issued account reference
 * rendered with the shop's template from the order's number (the name's digits, else the confirmation
 * number). One function for orders/create and the backfill of rows stored before the keys existed.
 */
export function matchingKeys(
  order: { orderName: string | null; confirmationNumber: string | null },
  accountReferenceTemplate = "{order_number}",
) {
  const name = order.orderName;
  const number = name?.replace(/\D/g, "") || order.confirmationNumber;
  return orderKeys({
    accountReference: number
      ? renderAccountReference(accountReferenceTemplate, { orderNumber: number, orderName: name })
      : null,
    orderName: name,
    confirmationNumber: order.confirmationNumber,
  });
}

/** What to look the candidates up by: every stored key that could equal this reference. */
export function lookupKeys(billRef: string): { key: string; digits: string | null } | null {
  const key = normaliseReference(billRef);
  if (!key) return null;
  // "KE1001" typed for an order named "#1001": its digits can still name the order (rule 2).
  const digitRuns = key.match(/\d+/g);
  return { key, digits: digitRuns && digitRuns.length === 1 ? dropLeadingZeros(digitRuns[0]) : null };
}

/**
 * The order this reference names among `candidates` (all of the receiving shop, read by lookupKeys),
 * or why none. The amount and the order's state are checked after the order is found, so the reason
 * given is the most useful one for the merchant.
 */
export function matchReference(billRef: string, candidates: OrderCandidate[]): MatchResult {
  const keys = lookupKeys(billRef);
  if (!keys) return { matched: false, reason: "NO_REFERENCE", detail: "the payment carries no account number" };
  const rules: [MatchRule, (o: OrderCandidate) => boolean][] = [
    ["reference", (o) => o.referenceKey === keys.key],
    ["order_name", (o) => o.nameKey === keys.key || (o.nameDigitsKey !== null && o.nameDigitsKey === keys.key)],
    ["confirmation_number", (o) => o.confirmationKey === keys.key],
  ];
  for (const [rule, test] of rules) {
    const found = candidates.filter(test);
    if (found.length === 1) return { matched: true, order: found[0], rule };
    if (found.length > 1) return ambiguous(billRef, found);
  }
  // Last: the digits alone of a reference with a prefix the app did not issue ("KE1001" for "#1001").
  if (keys.digits && keys.digits !== keys.key) {
    const found = candidates.filter((o) => o.nameDigitsKey === keys.digits);
    if (found.length === 1) return { matched: true, order: found[0], rule: "order_name" };
    if (found.length > 1) return ambiguous(billRef, found);
  }
  return {
    matched: false,
    reason: "UNKNOWN_REFERENCE",
    detail: `no order of this shop has the reference "${billRef}"`,
  };
}

function ambiguous(billRef: string, found: OrderCandidate[]): MatchResult {
  const names = found.map((o) => o.orderName ?? o.orderGid);
  return {
    matched: false,
    reason: "AMBIGUOUS_REFERENCE",
    detail: `"${billRef}" names ${found.length} orders (${names.join(", ")}): apply it by hand`,
    candidates: found.map((o) => o.orderGid),
  };
}

/** Money the ledger can apply: whole, positive shillings. Anything else waits for a person. */
export function amountProblem(amount: number): { reason: UnmatchedReason; detail: string } | null {
  if (!Number.isFinite(amount) || amount <= 0)
    return { reason: "AMOUNT_NOT_POSITIVE", detail: `amount ${amount} is not a positive sum of money` };
  if (!Number.isInteger(amount))
    return {
      reason: "AMOUNT_NOT_WHOLE",
      detail: `amount ${amount} is not whole shillings (M-PESA deals in whole KES): not rounded, review it`,
    };
  return null;
}

/** Whether the order found can take a payment now, by what the app's tables know. */
export function orderProblem(
  order: Pick<OrderCandidate, "orderName" | "orderGid" | "currency" | "outstandingKes" | "paidAt" | "cancelledAt">,
): { reason: UnmatchedReason; detail: string } | null {
  const name = order.orderName ?? order.orderGid;
  if (order.cancelledAt) return { reason: "ORDER_CANCELLED", detail: `order ${name} is cancelled` };
  if (order.currency !== "KES" || order.outstandingKes === null)
    return { reason: "ORDER_NOT_KES", detail: `order ${name} is in ${order.currency}, not KES` };
  if (order.paidAt || order.outstandingKes <= 0)
    return { reason: "ORDER_ALREADY_PAID", detail: `order ${name} has nothing left to pay` };
  return null;
}

/** The whole decision for one payment: which order, and whether it can take this money. */
export function matchPayment(
  payment: { billRef: string; amount: number; paidAt: Date },
  candidates: OrderCandidate[],
  opts: { graceMs?: number } = {},
): MatchResult {
  const amount = amountProblem(payment.amount);
  const found = matchReference(payment.billRef, candidates);
  if (!found.matched) return amount && found.reason === "UNKNOWN_REFERENCE" ? { matched: false, ...amount } : found;
  if (amount) return { matched: false, ...amount, order: found.order };
  const state = orderProblem(found.order);
  if (state) return { matched: false, ...state, order: found.order };
  // An order created after the money moved cannot be what the customer paid for (clock skew allowed).
  if (found.order.createdAt.getTime() > payment.paidAt.getTime() + (opts.graceMs ?? 10 * 60_000))
    return {
      matched: false,
      reason: "PAID_BEFORE_ORDER",
      detail: `paid before order ${found.order.orderName ?? found.order.orderGid} existed`,
      order: found.order,
    };
  return found;
}

export type Application =
  | { kind: "exact"; applyKes: number }
  | { kind: "partial"; applyKes: number; remainingKes: number }
  | { kind: "over"; applyKes: number; surplusKes: number };

/** How a whole, positive amount lands on an order with `outstandingKes` (> 0) left to pay. */
export function applicationFor(amountKes: number, outstandingKes: number): Application {
  if (amountKes === outstandingKes) return { kind: "exact", applyKes: amountKes };
  if (amountKes < outstandingKes)
    return { kind: "partial", applyKes: amountKes, remainingKes: outstandingKes - amountKes };
  return { kind: "over", applyKes: outstandingKes, surplusKes: amountKes - outstandingKes };
}
