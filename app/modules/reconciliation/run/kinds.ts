import crypto from "node:crypto";

// The mismatch kinds a reconciliation run reports, what each means and the action that resolves it.
// Pure: the queries that find them are collect.server.ts; the page and the mail read the words here.

export const MISMATCH_KINDS = [
  "PAID_WITHOUT_MONEY",
  "UNMATCHED_CREDIT",
  "DOUBLE_PAYMENT",
  "AMOUNT_DRIFT",
  "PARTIAL_OPEN",
  "OVERPAID_UNREFUNDED",
  "SHOPIFY_REFUND_NO_MONEY",
  "MONEY_OUT_NO_SHOPIFY_REFUND",
  "RECEIPT_PENDING",
  "ATTEMPT_UNRESOLVED",
] as const;
export type MismatchKind = (typeof MISMATCH_KINDS)[number];

/** What resolves an item; the page turns each into a button or a link where one exists. */
export type ItemAction =
  | "APPLY_TO_ORDER" // the unmatched queue's apply (a C2B payment waiting for its order)
  | "REFUND" // the payment page's refund
  | "OPEN_PAYMENT" // look at the payment (review) and decide
  | "OPEN_REFUND" // look at the refund on its payment page
  | "INVESTIGATE"; // nothing the app can do by itself: find out, then mark handled

export const KIND_INFO: Record<MismatchKind, { label: string; severity: "critical" | "warning"; resolve: string }> = {
  PAID_WITHOUT_MONEY: {
    label: "Order marked paid with no matching money",
    severity: "critical",
    resolve:
      "Must never happen: check the receipt in the M-PESA Org Portal at once; if the money is not there, mark the order unpaid in Shopify and tell support.",
  },
  UNMATCHED_CREDIT: {
    label: "Money received with no order",
    severity: "warning",
    resolve: "Apply the payment to its order from the unmatched queue, or mark it handled with what it was for.",
  },
  DOUBLE_PAYMENT: {
    label: "Order paid by another method while M-PESA money also arrived",
    severity: "critical",
    resolve: "Possible double payment: refund the M-PESA payment (or the other one) and note which.",
  },
  AMOUNT_DRIFT: {
    label: "Amount paid differs from the amount recorded",
    severity: "critical",
    resolve: "Compare the receipt in the Org Portal with the order; correct the order or refund the difference.",
  },
  PARTIAL_OPEN: {
    label: "Partial payment, order still open",
    severity: "warning",
    resolve: "Ask the customer for the rest, or refund what was paid and cancel the order.",
  },
  OVERPAID_UNREFUNDED: {
    label: "Over-payment not yet refunded",
    severity: "warning",
    resolve: "Refund the surplus from the payment page.",
  },
  SHOPIFY_REFUND_NO_MONEY: {
    label: "Refund in Shopify with no M-PESA money sent back",
    severity: "critical",
    resolve: "Approve the refund on the payment page (or pay it back by hand and say so).",
  },
  MONEY_OUT_NO_SHOPIFY_REFUND: {
    label: "M-PESA money sent back with no refund in Shopify",
    severity: "critical",
    resolve: "Record the refund on the Shopify order (the app retries it), or find out who sent the money.",
  },
  RECEIPT_PENDING: {
    label: "Payment confirmed, receipt still pending",
    severity: "warning",
    resolve: "Import the M-PESA statement of that day: the receipt is attached from it.",
  },
  ATTEMPT_UNRESOLVED: {
    label: "Payment attempt still unresolved",
    severity: "warning",
    resolve: "Open the payment and follow its review guidance.",
  },
};

export interface ReportItem {
  kind: MismatchKind;
  /** Stable across runs: "<kind>:<the row's key>", so "handled" follows the mismatch. */
  key: string;
  receipt?: string | null;
  orderGid?: string | null;
  orderName?: string | null;
  attemptId?: string | null;
  paymentId?: string | null;
  refundId?: string | null;
  amountKes?: number | null;
  otherKes?: number | null;
  occurredAt?: Date | null;
  detail: string;
  action: ItemAction;
}

export const itemKey = (kind: MismatchKind, ref: string) => `${kind}:${ref}`;

/** Items in one order whatever order the queries returned them in: a report is comparable run to run. */
export function sortItems(items: ReportItem[]): ReportItem[] {
  const rank = new Map(MISMATCH_KINDS.map((k, i) => [k, i]));
  return [...items].sort(
    (a, b) => rank.get(a.kind)! - rank.get(b.kind)! || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
  );
}

/** One key per item: a second finding of the same row for the same kind adds nothing. */
export function dedupeItems(items: ReportItem[]): ReportItem[] {
  const seen = new Map<string, ReportItem>();
  for (const i of items) if (!seen.has(i.key)) seen.set(i.key, i);
  return [...seen.values()];
}

/** SHA-256 of the sorted items' content: the same window and the same data give the same fingerprint. */
export function fingerprint(items: ReportItem[]): string {
  const h = crypto.createHash("sha256");
  for (const i of sortItems(items))
    h.update(
      JSON.stringify([
        i.key,
        i.receipt ?? null,
        i.orderGid ?? null,
        i.amountKes ?? null,
        i.otherKes ?? null,
        i.occurredAt ? i.occurredAt.toISOString() : null,
        i.detail,
        i.action,
      ]) + "\n",
    );
  return h.digest("hex");
}

export function countByKind(items: { kind: string }[]): Record<MismatchKind, number> {
  const counts = Object.fromEntries(MISMATCH_KINDS.map((k) => [k, 0])) as Record<MismatchKind, number>;
  for (const i of items) if (i.kind in counts) counts[i.kind as MismatchKind]++;
  return counts;
}
