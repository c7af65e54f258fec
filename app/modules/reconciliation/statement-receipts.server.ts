import type { PrismaClient } from "@prisma/client";
import { attachFoundReceipt, isReceiptPending } from "../payments/receipt-pending.server";

// The statement import as a third finder of receipts (after the late callback and Pull Transactions): a
// receipt-pending attempt (paid per STK query, no receipt) whose statement credit is found gets its receipt
// attached (payments/receipt-pending.server.ts). A statement row has no CheckoutRequestID and a masked
// phone (`25470****111`): a credit matches when its amount is the attempt's, it completed within
// `windowMs` of the prompt, its receipt is in no ledger yet, and the phone's visible last digits are the
// attempt's. Only an unambiguous match (one row for the attempt, and that row for no other attempt) counts.

export async function attachReceiptsFromStatement(
  db: PrismaClient,
  shop: string,
  now: () => Date,
  windowMs = 2 * 3600_000,
): Promise<{ attached: number }> {
  const pending = await db.paymentAttempt.findMany({
    where: { shopDomain: shop, status: "SUCCEEDED", mpesaReceipt: null, receiptPendingSince: { not: null } },
    take: 500,
  });
  const claims = new Map<string, string[]>(); // statement receipt -> attempts it could be
  const candidateOf = new Map<string, { receipt: string; amountKes: number; completedAt: Date }>();
  for (const a of pending) {
    if (!isReceiptPending(a) || !a.msisdn) continue;
    const rows = await db.statementRow.findMany({
      where: {
        shopDomain: shop,
        kind: "credit",
        amountKes: a.amountKes,
        completedAt: { gte: new Date(a.createdAt.getTime() - 60_000), lte: new Date(a.createdAt.getTime() + windowMs) },
      },
      take: 20,
    });
    const fitting = [];
    for (const r of rows) {
      const visible = (r.otherPartyMsisdn ?? "").replace(/\D*$/, "").match(/(\d+)$/)?.[1] ?? "";
      if (visible.length < 2 || !a.msisdn.endsWith(visible)) continue;
      if (await db.mpesaReceipt.findUnique({ where: { receipt: r.receipt } })) continue;
      fitting.push(r);
    }
    if (fitting.length !== 1) continue;
    const r = fitting[0];
    candidateOf.set(a.id, { receipt: r.receipt, amountKes: r.amountKes, completedAt: r.completedAt });
    claims.set(r.receipt, [...(claims.get(r.receipt) ?? []), a.id]);
  }
  let attached = 0;
  for (const [attemptId, c] of candidateOf) {
    if ((claims.get(c.receipt) ?? []).length !== 1) continue;
    const outcome = await attachFoundReceipt({ db, now }, attemptId, {
      receipt: c.receipt,
      amountKes: c.amountKes,
      transactionDate: c.completedAt,
      foundBy: "statement",
    });
    if (outcome.kind === "attached" || outcome.kind === "review") attached++;
  }
  return { attached };
}
