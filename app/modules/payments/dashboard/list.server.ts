import { Prisma, type PrismaClient } from "@prisma/client";
import { orderNumericId } from "../../shopify/order-id";
import { maskMsisdn } from "../../../lib/phone-mask";
import { formatEat, formatKes } from "./format";
import { selectedPayments } from "./filters.server";
import type { PaymentFilters } from "./filters";
import { attemptReason, c2bReason, c2bStatusDisplay } from "./words.server";
import { TILL_TYPES } from "./filters.server";
import { attemptStatusDisplay, type StatusTone } from "./status-display";

// The merchant's Payments list: one row per order, newest activity first, 25 orders a page, with the
// order's payments inside (its M-PESA prompts and its paybill/till payments). The filters select
// payments; an order is listed when one of its payments is selected, and shows the selected ones.
// A paybill payment matched to no order is a row of its own. Totals count the whole filtered set.
// Rows carry display strings only: the page shows them as they are, and nothing else leaves.

export const PAGE_SIZE = 25;

export interface PaymentItemView {
  id: string;
  channel: string;
  at: string;
  amount: string;
  received: string;
  payer: string;
  statusLabel: string;
  statusTone?: StatusTone;
  receipt: string;
  reason: string;
  /** The page that explains this payment. */
  url: string;
}

export interface OrderRowView {
  key: string;
  orderName: string;
  /** Where the order opens: the Shopify admin, or the stand-in's order in the sandbox; null: no order. */
  orderUrl: string | null;
  latestAt: string;
  received: string;
  statusLabel: string;
  statusTone?: StatusTone;
  payments: PaymentItemView[];
}

export interface PaymentListView {
  rows: OrderRowView[];
  page: number;
  pageCount: number;
  totals: { orders: number; payments: number; receivedKes: number; received: string };
}

export interface ListOptions {
  /** In the sandbox, the Admin stand-in's origin: order links open its order view instead of the admin. */
  standinOrigin?: string | null;
}

/** The order's page: `shopify://admin/orders/<id>` in the admin (App Bridge opens it), the stand-in's order in the sandbox. */
export function orderUrl(orderGid: string | null, opts: ListOptions = {}): string | null {
  if (!orderGid) return null;
  if (opts.standinOrigin)
    return `${opts.standinOrigin.replace(/\/$/, "")}/__standin/orders/${encodeURIComponent(orderGid)}`;
  const id = orderNumericId(orderGid);
  return id ? `shopify://admin/orders/${id}` : null;
}

const num = (v: unknown) => (typeof v === "bigint" ? Number(v) : Number(v ?? 0));

/** Count, orders and shillings received of the whole filtered set. */
export async function paymentTotals(db: PrismaClient, shop: string, f: PaymentFilters) {
  const [row] = await db.$queryRaw<{ payments: unknown; orders: unknown; received: unknown }[]>`
    SELECT COUNT(*) AS payments, COUNT(DISTINCT k) AS orders, COALESCE(SUM(received), 0) AS received
    FROM (${selectedPayments(shop, f)}) x`;
  const receivedKes = num(row?.received);
  return { payments: num(row?.payments), orders: num(row?.orders), receivedKes, received: formatKes(receivedKes) };
}

export async function listPayments(
  db: PrismaClient,
  shop: string,
  f: PaymentFilters,
  opts: ListOptions = {},
): Promise<PaymentListView> {
  const totals = await paymentTotals(db, shop, f);
  const pageCount = Math.max(1, Math.ceil(totals.orders / PAGE_SIZE));
  // A page past the end (rows went away, or an edited URL) shows the last page rather than nothing.
  const page = Math.min(f.page, pageCount);
  const keys = await db.$queryRaw<{ k: string }[]>`
    SELECT k FROM (${selectedPayments(shop, f)}) x
    GROUP BY k ORDER BY MAX(t) DESC, k DESC
    LIMIT ${PAGE_SIZE} OFFSET ${(page - 1) * PAGE_SIZE}`;
  const wanted = keys.map((r) => r.k);
  const members = wanted.length
    ? await db.$queryRaw<{ src: string; id: string; k: string }[]>`
        SELECT src, "id", k FROM (${selectedPayments(shop, f)}) x WHERE k IN (${Prisma.join(wanted)})`
    : [];
  const idsOf = (src: string) => members.filter((m) => m.src === src).map((m) => m.id);
  const [attempts, c2b] = await Promise.all([
    db.paymentAttempt.findMany({
      where: { id: { in: idsOf("STK") }, shopDomain: shop },
      include: { reviewResolution: { select: { action: true } } },
    }),
    db.c2bPayment.findMany({ where: { id: { in: idsOf("C2B") }, shopDomain: shop } }),
  ]);

  type Item = PaymentItemView & {
    time: number;
    key: string;
    orderGid: string | null;
    orderName: string | null;
    kes: number;
    rank: number;
  };
  const items: Item[] = [
    ...attempts.map((a) => {
      const { label, tone } = attemptStatusDisplay(a.status, a.reviewResolution);
      const kes = a.mpesaReceipt ? (a.paidAmountKes ?? a.amountKes) : 0;
      return {
        id: a.id,
        channel: "M-PESA prompt",
        at: formatEat(a.createdAt),
        amount: formatKes(a.amountKes),
        received: kes ? formatKes(kes) : "",
        payer: maskMsisdn(a.msisdn),
        statusLabel: label,
        statusTone: tone,
        receipt: a.mpesaReceipt ?? "",
        reason: attemptReason(a),
        url: `/app/payments/${a.id}`,
        time: a.createdAt.getTime(),
        key: a.orderGid,
        orderGid: a.orderGid,
        orderName: a.orderName,
        kes,
        rank: RANK[a.status] ?? 0,
      };
    }),
    ...c2b.map((p) => {
      const { label, tone } = c2bStatusDisplay(p.status);
      const kes = p.status === "STK_DUPLICATE" ? 0 : (p.amountKes ?? 0);
      return {
        id: p.id,
        channel: TILL_TYPES.includes(p.transactionType) ? "Till (Buy Goods)" : "Paybill",
        at: formatEat(p.transTime),
        amount: p.amountKes !== null ? formatKes(p.amountKes) : `KES ${p.amountText}`,
        received: kes ? formatKes(kes) : "",
        payer:
          p.payerKind === "hashed"
            ? "hidden by M-PESA"
            : p.payerKind === "msisdn"
              ? maskMsisdn(p.payer)
              : (p.payer ?? ""),
        statusLabel: label,
        statusTone: tone,
        receipt: p.receipt,
        reason: c2bReason(p),
        url: p.status === "UNMATCHED" ? "/app/payments/unmatched" : `/app/payments/c2b/${p.id}`,
        time: p.transTime.getTime(),
        key: p.orderGid ?? `c2b:${p.id}`,
        orderGid: p.orderGid,
        orderName: p.orderName,
        kes,
        rank: C2B_RANK[p.status] ?? 0,
      };
    }),
  ];

  const rows = wanted.map((key): OrderRowView => {
    const own = items.filter((i) => i.key === key).sort((x, y) => y.time - x.time || (x.id < y.id ? 1 : -1));
    const first = own[0];
    const top = own.reduce((best, i) => (i.rank > best.rank ? i : best), own[0]);
    const orderGid = first?.orderGid ?? null;
    const receivedKes = own.reduce((n, i) => n + i.kes, 0);
    return {
      key,
      orderName: own.find((i) => i.orderName)?.orderName ?? (orderGid ? orderNumberOf(orderGid) : "No order"),
      orderUrl: orderUrl(orderGid, opts),
      latestAt: first?.at ?? "",
      received: receivedKes ? formatKes(receivedKes) : "",
      statusLabel: top?.statusLabel ?? "",
      statusTone: top?.statusTone,
      payments: own.map(({ time: _t, key: _k, orderGid: _g, orderName: _n, kes: _s, rank: _r, ...view }) => view),
    };
  });
  return { rows, page, pageCount, totals };
}

// Which payment speaks for the order in the order's row: a payment to review first, then a paid one,
// then one in progress, then the rest.
const RANK: Record<string, number> = {
  NEEDS_REVIEW: 5,
  SUCCEEDED: 4,
  PENDING: 3,
  FAILED: 2,
  TIMED_OUT: 1,
  CANCELLED: 1,
};
const C2B_RANK: Record<string, number> = { UNMATCHED: 5, APPLIED: 4, MATCHED: 3, STK_DUPLICATE: 1, DISMISSED: 1 };

/** "gid://shopify/Order/123" -> "Order 123", for attempts stored before the order name was known. */
export function orderNumberOf(orderGid: string): string {
  const id = orderNumericId(orderGid);
  return id ? `Order ${id}` : orderGid;
}
