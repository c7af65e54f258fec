// The ledger side of reconciliation: Safaricom's record (imported statement credits) against the app's
// receipt ledger (MpesaReceipt: every receipt accepted from any channel). The query that computes it in
// the database is ledger-diff.server.ts.

export type StatementCredit = { receipt: string; amountKes: number; completedAt: Date; accountNoRaw: string | null };
export type LedgerReceipt = { receipt: string; amountKes: number; channel: string; orderGid: string | null };

export type LedgerDiff = {
  matched: number;
  /** Money Safaricom says arrived that the app never accepted (a missed callback, or unmatched C2B). */
  inStatementNotLedger: StatementCredit[];
  /** Receipts the app accepted that the statement does not show (should not happen: investigate). */
  inLedgerNotStatement: LedgerReceipt[];
  /** Same receipt, different amount. */
  amountMismatches: { receipt: string; statementKes: number; ledgerKes: number }[];
};
