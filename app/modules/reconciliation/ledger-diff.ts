// The ledger side of reconciliation: Safaricom's record (imported statement credits) against the app's
// receipt ledger (MpesaReceipt: every receipt accepted from any channel). Pure; the query that feeds it
// is ledger-diff.server.ts.

export type StatementCredit = { receipt: string; amountKes: number; completedAt: Date };
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

export function diffStatementAgainstLedger(
  statement: Iterable<StatementCredit>,
  ledger: Iterable<LedgerReceipt>,
): LedgerDiff {
  const byReceipt = new Map<string, LedgerReceipt>();
  for (const l of ledger) byReceipt.set(l.receipt, l);
  const diff: LedgerDiff = { matched: 0, inStatementNotLedger: [], inLedgerNotStatement: [], amountMismatches: [] };
  const seen = new Set<string>();
  for (const s of statement) {
    seen.add(s.receipt);
    const l = byReceipt.get(s.receipt);
    if (!l) diff.inStatementNotLedger.push(s);
    else if (l.amountKes !== s.amountKes)
      diff.amountMismatches.push({ receipt: s.receipt, statementKes: s.amountKes, ledgerKes: l.amountKes });
    else diff.matched++;
  }
  for (const l of byReceipt.values()) if (!seen.has(l.receipt)) diff.inLedgerNotStatement.push(l);
  return diff;
}
