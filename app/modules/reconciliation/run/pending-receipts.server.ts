import type { PrismaClient } from "@prisma/client";

// "Receipts pending longer than N hours": money STK Push Query confirmed without its receipt. By
// default such an attempt ends SUCCEEDED with receiptPendingSince set and mpesaReceipt null (the order
// is paid, receipt "pending"); a shop that holds until the receipt is known keeps it in NEEDS_REVIEW
// with review code RECEIPT_UNKNOWN. Both are pending until a callback, a pull or a statement brings it.

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
      mpesaReceipt: null,
      OR: [
        { status: "SUCCEEDED", receiptPendingSince: { lt: olderThan } },
        { status: "NEEDS_REVIEW", reviewCode: "RECEIPT_UNKNOWN", completedAt: { lt: olderThan } },
        { status: "NEEDS_REVIEW", reviewCode: "RECEIPT_UNKNOWN", completedAt: null, createdAt: { lt: olderThan } },
      ],
    },
    select: {
      id: true,
      orderGid: true,
      orderName: true,
      amountKes: true,
      checkoutRequestId: true,
      completedAt: true,
      createdAt: true,
      receiptPendingSince: true,
    },
    orderBy: { createdAt: "asc" },
  });
  return rows.map((r) => ({
    attemptId: r.id,
    orderGid: r.orderGid,
    orderName: r.orderName,
    amountKes: r.amountKes,
    checkoutRequestId: r.checkoutRequestId,
    since: r.receiptPendingSince ?? r.completedAt ?? r.createdAt,
  }));
}
