import type { PrismaClient } from "@prisma/client";
import { orderNumericId } from "../../shopify/order-id";
import { maskMsisdn } from "../../../lib/phone-mask";
import { formatEat, formatKes } from "./format";
import { reviewGuidance } from "./review-guidance";
import { isTabId, statusDisplay, TABS, type StatusTone, type TabId } from "./status-display";

// The merchant's list of payment attempts: one shop, newest first, one status tab, 25 a page.
// Rows carry display strings only: the page shows them as they are, and nothing else leaves.

export const PAGE_SIZE = 25;

export interface PaymentRowView {
  id: string;
  createdAt: string;
  orderName: string;
  amount: string;
  phoneMasked: string;
  status: string;
  statusLabel: string;
  statusTone: StatusTone;
  receipt: string;
  recordedInShopify: boolean;
  reviewSummary: string | null;
}

export interface PaymentListView {
  tab: TabId;
  tabs: { id: TabId; label: string; count: number }[];
  rows: PaymentRowView[];
  page: number;
  pageCount: number;
  total: number;
}

export interface ListQuery {
  tab: TabId;
  page: number;
}

/** `?status=<tab>&page=<n>`; anything unreadable falls back to the first page of All. */
export function parseListQuery(params: URLSearchParams): ListQuery {
  const tab = params.get("status");
  const page = Number(params.get("page"));
  return { tab: isTabId(tab) ? tab : "all", page: Number.isSafeInteger(page) && page > 0 ? page : 1 };
}

export async function listPaymentAttempts(db: PrismaClient, shop: string, query: ListQuery): Promise<PaymentListView> {
  const byStatus = await db.paymentAttempt.groupBy({
    by: ["status"],
    where: { shopDomain: shop },
    _count: { _all: true },
  });
  const countOf = (statuses: readonly string[] | null) =>
    byStatus.filter((g) => !statuses || statuses.includes(g.status)).reduce((n, g) => n + g._count._all, 0);
  const tab = TABS.find((t) => t.id === query.tab)!;
  const total = countOf(tab.statuses);
  const pageCount = Math.max(1, Math.ceil(total / PAGE_SIZE));
  // A page past the end (rows went away, or an edited URL) shows the last page rather than nothing.
  const page = Math.min(query.page, pageCount);
  const attempts = await db.paymentAttempt.findMany({
    where: { shopDomain: shop, ...(tab.statuses ? { status: { in: [...tab.statuses] } } : {}) },
    // id breaks ties between attempts created in the same millisecond, so pages never overlap.
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    skip: (page - 1) * PAGE_SIZE,
    take: PAGE_SIZE,
    select: {
      id: true,
      createdAt: true,
      orderName: true,
      orderGid: true,
      amountKes: true,
      msisdn: true,
      status: true,
      mpesaReceipt: true,
      recordedInShopifyAt: true,
      reviewCode: true,
    },
  });
  return {
    tab: tab.id,
    tabs: TABS.map((t) => ({ id: t.id, label: t.label, count: countOf(t.statuses) })),
    rows: attempts.map((a) => {
      const { label, tone } = statusDisplay(a.status);
      return {
        id: a.id,
        createdAt: formatEat(a.createdAt),
        orderName: a.orderName ?? orderNumberOf(a.orderGid),
        amount: formatKes(a.amountKes),
        phoneMasked: maskMsisdn(a.msisdn),
        status: a.status,
        statusLabel: label,
        statusTone: tone,
        receipt: a.mpesaReceipt ?? "",
        recordedInShopify: a.recordedInShopifyAt !== null,
        reviewSummary: a.status === "NEEDS_REVIEW" ? reviewGuidance(a.reviewCode).summary : null,
      };
    }),
    page,
    pageCount,
    total,
  };
}

export async function countNeedsReview(db: PrismaClient, shop: string): Promise<number> {
  return db.paymentAttempt.count({ where: { shopDomain: shop, status: "NEEDS_REVIEW" } });
}

/** "gid://shopify/Order/123" -> "Order 123", for attempts stored before the order name was known. */
export function orderNumberOf(orderGid: string): string {
  const id = orderNumericId(orderGid);
  return id ? `Order ${id}` : orderGid;
}
