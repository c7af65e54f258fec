import type { C2bPayment, PrismaClient, ReceiptVerification } from "@prisma/client";
import { formatEat, formatKes } from "../payments/dashboard/format";
import { reasonWords } from "../c2b/queue.server";

// What the merchant's page and the shopper's block show of a verification: display strings only.
// "verifying" until Safaricom answers; "verified" while the record job writes it to Shopify, then
// "applied" — or, if Shopify refused it (the order paid or cancelled meanwhile), "queued" (the payment
// waits in the unmatched list like any C2B payment).

export type VerificationState = "verifying" | "verified" | "applied" | "queued" | "rejected";

export interface VerificationView {
  id: string;
  receipt: string;
  orderName: string;
  state: VerificationState;
  message: string;
  amount: string;
  at: string;
  actor: string;
}

export function toVerificationView(v: ReceiptVerification, payment: C2bPayment | null): VerificationView {
  const order = v.orderName ?? v.orderGid;
  const amount = formatKes(payment?.amountKes ?? v.amountKes);
  const base = { id: v.id, receipt: v.receipt, orderName: order, amount, at: formatEat(v.createdAt), actor: v.actor };
  if (v.state === "PENDING") return { ...base, state: "verifying", message: `Verifying ${v.receipt} with Safaricom…` };
  if (v.state !== "VERIFIED") return { ...base, state: "rejected", message: v.message ?? "Not verified." };
  if (payment?.status === "APPLIED") {
    const surplus = payment.surplusKes
      ? ` (${formatKes(payment.surplusKes)} more than owed: flagged for a refund)`
      : "";
    return { ...base, state: "applied", message: `${v.receipt} (${amount}) is recorded on ${order}${surplus}.` };
  }
  if (payment?.status === "UNMATCHED")
    return {
      ...base,
      state: "queued",
      message: `${v.receipt} is verified but could not be applied to ${order} (${reasonWords(payment.reason)}): it is in the unmatched payments list.`,
    };
  return { ...base, state: "verified", message: `${v.receipt} (${amount}) is verified; recording it on ${order}…` };
}

async function withPayments(db: PrismaClient, rows: ReceiptVerification[]) {
  const ids = rows.map((r) => r.c2bPaymentId).filter((x): x is string => !!x);
  const payments = ids.length ? await db.c2bPayment.findMany({ where: { id: { in: ids } } }) : [];
  const byId = new Map(payments.map((p) => [p.id, p]));
  return rows.map((r) => toVerificationView(r, r.c2bPaymentId ? (byId.get(r.c2bPaymentId) ?? null) : null));
}

/** The shop's latest verifications, newest first (the merchant's page). */
export async function recentVerifications(db: PrismaClient, shop: string, take = 20) {
  const rows = await db.receiptVerification.findMany({
    where: { shopDomain: shop },
    orderBy: { createdAt: "desc" },
    take,
  });
  return { rows, views: await withPayments(db, rows) };
}

/** One verification of one order of the shop (the shopper's block polls it), or the order's latest. */
export async function orderVerification(db: PrismaClient, shop: string, orderGid: string, id?: string | null) {
  const row = await db.receiptVerification.findFirst({
    where: { shopDomain: shop, orderGid, ...(id ? { id } : { source: "shopper" }) },
    orderBy: { createdAt: "desc" },
  });
  if (!row) return { row: null, view: null };
  const [view] = await withPayments(db, [row]);
  return { row, view };
}

/** Still changing: the page keeps asking (verifying, or verified and not yet written to Shopify). */
export const isSettling = (v: VerificationView) => v.state === "verifying" || v.state === "verified";
