import type { PrismaClient } from "@prisma/client";
import { diffStatementAgainstLedger, type LedgerDiff, type LedgerReceipt, type StatementCredit } from "./ledger-diff";

export type LedgerDiffDb = Pick<PrismaClient, "statementRow" | "mpesaReceipt">;

const BATCH = 500; // receipts per IN list (the SQLite driver refuses much longer ones)

/**
 * Statement credits completed in [from, to) against the shop's receipt ledger. A statement receipt is
 * looked up in the whole ledger (a late callback may have been accepted after the window); a ledger receipt
 * accepted in the window is looked up among all imported rows, so window edges do not make false gaps —
 * except for receipts the statement of the window cannot show yet (accepted in the window, paid before it:
 * import the earlier period too).
 */
export async function statementLedgerDiff(
  db: LedgerDiffDb,
  shop: string,
  window: { from: Date; to: Date },
): Promise<LedgerDiff> {
  const credits: StatementCredit[] = await db.statementRow.findMany({
    where: { shopDomain: shop, kind: "credit", completedAt: { gte: window.from, lt: window.to } },
    select: { receipt: true, amountKes: true, completedAt: true },
  });
  const ledger = new Map<string, LedgerReceipt>();
  const select = { receipt: true, amountKes: true, channel: true, orderGid: true } as const;
  for (let i = 0; i < credits.length; i += BATCH) {
    const found = await db.mpesaReceipt.findMany({
      where: { shopDomain: shop, receipt: { in: credits.slice(i, i + BATCH).map((c) => c.receipt) } },
      select,
    });
    for (const r of found) ledger.set(r.receipt, r);
  }
  const accepted = await db.mpesaReceipt.findMany({
    where: { shopDomain: shop, createdAt: { gte: window.from, lt: window.to } },
    select,
  });
  const unseen = accepted.filter((r) => !ledger.has(r.receipt));
  // Accepted in the window but paid outside it: present among the imported rows of another period.
  const elsewhere = new Set<string>();
  for (let i = 0; i < unseen.length; i += BATCH) {
    const rows = await db.statementRow.findMany({
      where: { shopDomain: shop, kind: "credit", receipt: { in: unseen.slice(i, i + BATCH).map((r) => r.receipt) } },
      select: { receipt: true },
    });
    for (const r of rows) elsewhere.add(r.receipt);
  }
  for (const r of unseen) if (!elsewhere.has(r.receipt)) ledger.set(r.receipt, r);
  return diffStatementAgainstLedger(credits, ledger.values());
}
