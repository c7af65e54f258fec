import { Prisma, type PrismaClient } from "@prisma/client";
import type { LedgerDiff, LedgerReceipt, StatementCredit } from "./ledger-diff";

export type LedgerDiffDb = Pick<PrismaClient, "$queryRaw">;

/**
 * Statement credits completed in [from, to) against the shop's receipt ledger, joined in the database:
 * only the differences come back (and the count of matches), so a window of 100,000 credits is never
 * held in memory. A statement receipt is looked up in the whole ledger (a late callback may have been
 * accepted after the window); a ledger receipt accepted in the window is looked up among all imported
 * rows, so window edges do not make false gaps — except for receipts the statement of the window cannot
 * show yet (accepted in the window, paid before it: import the earlier period too).
 */
export async function statementLedgerDiff(
  db: LedgerDiffDb,
  shop: string,
  window: { from: Date; to: Date },
): Promise<LedgerDiff> {
  const credits = Prisma.sql`s."shopDomain" = ${shop} AND s."kind" = 'credit'
    AND s."completedAt" >= ${window.from} AND s."completedAt" < ${window.to}`;
  const sameReceipt = Prisma.sql`r."receipt" = s."receipt" AND r."shopDomain" = s."shopDomain"`;

  const [matched] = await db.$queryRaw<{ n: number | bigint }[]>`
    SELECT COUNT(*) AS "n" FROM "StatementRow" s JOIN "MpesaReceipt" r ON ${sameReceipt}
    WHERE ${credits} AND r."amountKes" = s."amountKes"`;
  const missing = await db.$queryRaw<RawCredit[]>`
    SELECT s."receipt", s."amountKes", s."completedAt", s."accountNoRaw" FROM "StatementRow" s
    WHERE ${credits} AND NOT EXISTS (SELECT 1 FROM "MpesaReceipt" r WHERE ${sameReceipt})
    ORDER BY s."completedAt", s."receipt"`;
  const drift = await db.$queryRaw<{ receipt: string; statementKes: number | bigint; ledgerKes: number | bigint }[]>`
    SELECT s."receipt", s."amountKes" AS "statementKes", r."amountKes" AS "ledgerKes"
    FROM "StatementRow" s JOIN "MpesaReceipt" r ON ${sameReceipt}
    WHERE ${credits} AND r."amountKes" <> s."amountKes"
    ORDER BY s."completedAt", s."receipt"`;
  const unseen = await db.$queryRaw<RawReceipt[]>`
    SELECT r."receipt", r."amountKes", r."channel", r."orderGid" FROM "MpesaReceipt" r
    WHERE r."shopDomain" = ${shop} AND r."createdAt" >= ${window.from} AND r."createdAt" < ${window.to}
      AND NOT EXISTS (SELECT 1 FROM "StatementRow" s WHERE ${sameReceipt} AND s."kind" = 'credit')
    ORDER BY r."createdAt", r."receipt"`;

  return {
    matched: Number(matched?.n ?? 0),
    inStatementNotLedger: missing.map((c): StatementCredit => ({
      receipt: c.receipt,
      amountKes: Number(c.amountKes),
      completedAt: asDate(c.completedAt),
      accountNoRaw: c.accountNoRaw,
    })),
    inLedgerNotStatement: unseen.map((r): LedgerReceipt => ({
      receipt: r.receipt,
      amountKes: Number(r.amountKes),
      channel: r.channel,
      orderGid: r.orderGid,
    })),
    amountMismatches: drift.map((m) => ({
      receipt: m.receipt,
      statementKes: Number(m.statementKes),
      ledgerKes: Number(m.ledgerKes),
    })),
  };
}

type RawCredit = {
  receipt: string;
  amountKes: number | bigint;
  completedAt: Date | string;
  accountNoRaw: string | null;
};
type RawReceipt = { receipt: string; amountKes: number | bigint; channel: string; orderGid: string | null };

/** A DateTime column read by a raw query: a Date on PostgreSQL, the stored text on SQLite. */
export const asDate = (v: Date | string) => (v instanceof Date ? v : new Date(v));
