import type { PrismaClient } from "@prisma/client";

// "Receipts pending longer than N hours", isolated on purpose: today a payment that STK Push Query
// confirmed without a receipt waits in NEEDS_REVIEW with review code RECEIPT_UNKNOWN. When missed
// callbacks end paid with a "receipt pending" flag on the attempt, only this function changes (point the
// where clause at that flag); the run, the page and the mail read what it returns.

export interface PendingReceipt {
  attemptId: string;
  orderGid: string;
  orderName: string | null;
  amountKes: number;
  checkoutRequestId: string | null;
  /** Since when the money is confirmed without its receipt. */
  since: Date;
}

export async function receiptsPendingSince(
  db: Pick<PrismaClient, "paymentAttempt">,
  shop: string,
  olderThan: Date,
): Promise<PendingReceipt[]> {
  const rows = await db.paymentAttempt.findMany({
    where: {
      shopDomain: shop,
      status: "NEEDS_REVIEW",
      reviewCode: "RECEIPT_UNKNOWN",
      mpesaReceipt: null,
      OR: [{ completedAt: { lt: olderThan } }, { completedAt: null, createdAt: { lt: olderThan } }],
    },
    select: {
      id: true,
      orderGid: true,
      orderName: true,
      amountKes: true,
      checkoutRequestId: true,
      completedAt: true,
      createdAt: true,
    },
    orderBy: { createdAt: "asc" },
  });
  return rows.map((r) => ({
    attemptId: r.id,
    orderGid: r.orderGid,
    orderName: r.orderName,
    amountKes: r.amountKes,
    checkoutRequestId: r.checkoutRequestId,
    since: r.completedAt ?? r.createdAt,
  }));
}
