// What a parsed M-PESA Org Portal statement is (docs/RECONCILIATION.md has the format facts).
// Pure types: the parser, the import and the emulator's tests share them.

/** One spreadsheet cell as the readers hand it over (CSV: always strings). */
export type Cell = string | number | boolean | Date | null;

/**
 * What a row is for the books:
 * - credit: money in (`Paid In`), e.g. Pay Utility / Pay Bill Online / Fuliza-funded payments;
 * - charge: the tariff's "Pay Bill Charge" row, the twin sharing a payment's receipt;
 * - settlement: the sweep to the organisation's settlement account or bank;
 * - debit: any other money out (B2C payouts, reversals).
 */
export type StatementRowKind = "credit" | "debit" | "charge" | "settlement";
export const STATEMENT_ROW_KINDS: readonly StatementRowKind[] = ["credit", "debit", "charge", "settlement"];

export type StatementRow = {
  /** 1-based row (line) of the source file, for messages. */
  line: number;
  receipt: string; // upper-cased
  kind: StatementRowKind;
  /** Always positive: Paid In for credits, |Withdrawn| for the rest. Exact cents, never a float. */
  amountCents: number;
  completedAt: Date;
  initiatedAt: Date | null;
  details: string; // any full phone number masked
  status: string; // "Completed" (the only status that is imported)
  reasonType: string | null;
  /** Fuliza (M-PESA overdraft) paid it: Reason Type "… with OD …". */
  overdraft: boolean;
  otherPartyMsisdn: string | null; // masked: never a full phone number
  otherPartyName: string | null; // "****" tokens dropped
  linkedTransactionId: string | null;
  accountNoRaw: string | null; // as typed, with Excel's trailing ".0" removed
  accountNo: string | null; // normalised: upper-case, no spaces, "#" or "-"
  balanceCents: number | null;
  currency: string | null;
};

export type StatementPreamble = {
  accountHolder: string | null;
  shortCode: string | null;
  account: string | null;
  periodFrom: Date | null;
  periodTo: Date | null;
  operator: string | null;
  organization: string | null;
  reportedAt: Date | null;
  openingBalanceCents: number | null;
  closingBalanceCents: number | null;
  availableBalanceCents: number | null;
  totalPaidInCents: number | null;
  totalWithdrawnCents: number | null; // absolute value
};

export type StatementFormat = "csv" | "xlsx";

export type ParsedStatement = {
  format: StatementFormat;
  preamble: StatementPreamble;
  shortCode: string;
  /** Every accepted row, in file order — empty when the rows were streamed to an `onRow` sink instead. */
  rows: StatementRow[];
  /** How many rows were accepted (the same either way). */
  rowCount: number;
  /** receipt|kind -> line, amount, completion time (ms) and account of each accepted row. */
  keys: Map<string, { line: number; amountCents: number; completedAtMs: number; accountNo: string | null }>;
  /** Sums of the imported rows (Completed only), which matched the file's own control totals. */
  sums: { paidInCents: number; withdrawnCents: number };
  /** Rows whose Transaction Status is not Completed (failed, cancelled…): no money, not imported. */
  notCompleted: number;
  /** Exact repeats of a row (same receipt, kind and values) counted once. */
  duplicatesCollapsed: number;
  warnings: string[];
};

export type StatementProblemCode =
  | "EMPTY"
  | "NOT_A_STATEMENT"
  | "UNSUPPORTED_FORMAT"
  | "TOO_LARGE"
  | "TOO_MANY_ROWS"
  | "CELL_TOO_LONG"
  | "FORMULA"
  | "TRUNCATED"
  | "NO_SHORTCODE"
  | "WRONG_SHORTCODE"
  | "NO_CONTROL_TOTALS"
  | "TOTALS_MISMATCH"
  | "DATE_ORDER"
  | "CONFLICTING_DUPLICATE"
  | "BAD_ROW";

export type StatementProblem = { code: StatementProblemCode; message: string; line?: number };

export type ParseOutcome = { ok: true; statement: ParsedStatement } | { ok: false; problems: StatementProblem[] };

export type StatementLimits = {
  /** Largest file accepted, in bytes (counted while streaming). */
  maxBytes: number;
  /** Most data rows below the header. */
  maxRows: number;
  /** Longest cell, in characters. */
  maxCellChars: number;
};

export const DEFAULT_STATEMENT_LIMITS: StatementLimits = {
  maxBytes: 40 * 1024 * 1024,
  maxRows: 200_000,
  maxCellChars: 1_000,
};

/** Thrown inside the parser to refuse the whole file; parseStatement turns it into { ok: false }. */
export class StatementRefusal extends Error {
  constructor(readonly problems: StatementProblem[]) {
    super(problems.map((p) => p.message).join("; "));
    this.name = "StatementRefusal";
  }
}

export const refuse = (code: StatementProblemCode, message: string, line?: number): never => {
  throw new StatementRefusal([{ code, message, ...(line === undefined ? {} : { line }) }]);
};
