// The merchant's M-PESA Org Portal statement of the emulator's own money movements (Utility Account of
// one shortcode), written as the portal exports it: a preamble of label/value rows (Account Holder,
// Short Code, Account, Time Period, Operator / Organization / Date of Report, balances and control
// totals), the 13-column header starting "Receipt No." (plus the optional Currency column), rows newest
// first with day-first EAT times, a "Pay Bill Charge" twin sharing each charged payment's receipt,
// settlements, B2C payouts and reversals. CSV and XLSX; faults on request so importers meet bad files.
// The writer is also the generator of large synthetic statements (bench, tests).
import { PassThrough, Readable } from "node:stream";
import ExcelJS from "exceljs";
import type { LedgerEntry } from "./state";

const EAT_OFFSET_MS = 3 * 3600_000;

export const STATEMENT_HEADER = [
  "Receipt No.",
  "Completion Time",
  "Initiation Time",
  "Details",
  "Transaction Status",
  "Paid In",
  "Withdrawn",
  "Balance",
  "Balance Confirmed",
  "Reason Type",
  "Other Party Info",
  "Linked Transaction ID",
  "A/C No.",
  "Currency",
] as const;

/** One statement row, amounts in integer cents. */
export type StatementLine = {
  receipt: string;
  completedAt: number;
  initiatedAt: number | null;
  details: string;
  status: "Completed" | "Failed" | "Cancelled";
  paidInCents: number | null;
  withdrawnCents: number | null;
  balanceCents: number;
  reasonType: string;
  otherParty: string;
  linkedTransactionId: string;
  accountNo: string;
};

export type StatementDocument = {
  accountHolder: string;
  shortCode: string;
  account: string;
  from: number;
  to: number;
  operator: string;
  organization: string;
  reportedAt: number;
  openingCents: number;
  closingCents: number;
  totalPaidInCents: number;
  totalWithdrawnCents: number;
  /** Newest first, as the portal lists them. */
  lines: StatementLine[];
};

export type StatementFaults = {
  /** Adds this many KES to the stated Total Paid In (the rows no longer add up). */
  totalsOffKes?: number;
  /** Cuts the file at this fraction of its bytes (CSV mid-row, XLSX mid-archive). */
  truncateAt?: number;
  /** Writes another shortcode into the preamble. */
  shortCode?: string;
  /** Repeats the first N rows verbatim (totals unchanged: a duplicated-lines export). */
  duplicateRows?: number;
  /** Writes dates month-first (mm-dd-yyyy), as a spreadsheet re-saved in a US locale would. */
  monthFirst?: boolean;
  /** XLSX only: the first row's Paid In becomes a formula cell. */
  formula?: boolean;
};

/** The emulator's own illustration of a business-pays paybill tariff (NOT Safaricom's published table). */
export function chargeFor(amountKes: number): number {
  if (amountKes <= 100) return 0;
  if (amountKes <= 500) return 5;
  if (amountKes <= 1_000) return 10;
  if (amountKes <= 5_000) return 25;
  if (amountKes <= 20_000) return 50;
  return 100;
}

/** 25470****111: the masked MSISDN shape of current exports (first five digits, four stars, last three). */
export const maskForStatement = (msisdn: string) =>
  /^\d{10,12}$/.test(msisdn) ? `${msisdn.slice(0, 5)}****${msisdn.slice(-3)}` : msisdn;

/** dd-mm-yyyy HH:mm:ss in EAT (month-first when asked). */
export function statementTime(ms: number, monthFirst = false): string {
  const s = new Date(ms + EAT_OFFSET_MS).toISOString();
  const [y, mo, d] = [s.slice(0, 4), s.slice(5, 7), s.slice(8, 10)];
  return `${monthFirst ? `${mo}-${d}` : `${d}-${mo}`}-${y} ${s.slice(11, 19)}`;
}

export type Settlement = { receipt: string; shortCode: string; amount: number; at: number };

/** Builds the statement of one shortcode's Utility Account from the emulator's ledger. */
export function statementFromLedger(opts: {
  shortCode: string;
  ledger: Iterable<LedgerEntry>;
  settlements: Iterable<Settlement>;
  openingKes: number;
  from?: number;
  to?: number;
  now: number;
  organization?: string;
}): StatementDocument {
  type Movement = { at: number; line: Omit<StatementLine, "balanceCents">; deltaCents: number };
  const moves: Movement[] = [];
  const reversalOf = new Map<string, string>();
  const entries = [...opts.ledger].filter((e) => e.shortCode === opts.shortCode);
  for (const e of entries) if (e.reversedBy) reversalOf.set(e.reversedBy, e.receipt);
  for (const e of entries) {
    const name = `${e.firstName ?? "JOHN"} **** DOE`;
    const party = `${maskForStatement(e.msisdn)} - ${name}`;
    if (e.kind === "stk" || e.kind === "c2b") {
      const till = e.transactionType === "Buy Goods";
      moves.push({
        at: e.at,
        deltaCents: e.amount * 100,
        line: {
          receipt: e.receipt,
          completedAt: e.at,
          initiatedAt: e.at,
          details: till
            ? `Merchant Payment from ${party}`
            : `Pay Bill from ${party}${e.billRef ? ` Acc. ${e.billRef}` : ""}`,
          status: "Completed",
          paidInCents: e.amount * 100,
          withdrawnCents: null,
          reasonType: e.kind === "stk" ? "Pay Utility" : till ? "Merchant Payment" : "Pay Bill Online",
          otherParty: party,
          linkedTransactionId: "",
          accountNo: till ? "" : (e.billRef ?? ""),
        },
      });
      const charge = chargeFor(e.amount);
      if (charge > 0)
        moves.push({
          at: e.at,
          deltaCents: -charge * 100,
          line: {
            receipt: e.receipt,
            completedAt: e.at,
            initiatedAt: e.at,
            details: till ? "Merchant Payment Charge" : "Pay Bill Charge",
            status: "Completed",
            paidInCents: null,
            withdrawnCents: charge * 100,
            reasonType: till ? "Merchant Payment Charge" : "Pay Bill Charge",
            otherParty: "SP",
            linkedTransactionId: "",
            accountNo: "",
          },
        });
    } else {
      moves.push({
        at: e.at,
        deltaCents: -e.amount * 100,
        line: {
          receipt: e.receipt,
          completedAt: e.at,
          initiatedAt: e.at,
          details:
            e.kind === "b2c"
              ? `Business Payment to ${maskForStatement(e.msisdn)} - JOHN **** DOE`
              : `Reversal of ${reversalOf.get(e.receipt) ?? ""}`.trim(),
          status: "Completed",
          paidInCents: null,
          withdrawnCents: e.amount * 100,
          reasonType: e.kind === "b2c" ? "Business Payment" : "Reversal",
          otherParty: e.kind === "b2c" ? `${maskForStatement(e.msisdn)} - JOHN **** DOE` : party,
          linkedTransactionId: reversalOf.get(e.receipt) ?? "",
          accountNo: "",
        },
      });
    }
  }
  for (const s of opts.settlements) {
    if (s.shortCode !== opts.shortCode) continue;
    moves.push({
      at: s.at,
      deltaCents: -s.amount * 100,
      line: {
        receipt: s.receipt,
        completedAt: s.at,
        initiatedAt: s.at,
        details: "Utility Account to Organization Settlement Account",
        status: "Completed",
        paidInCents: null,
        withdrawnCents: s.amount * 100,
        reasonType: "Settlement",
        otherParty: "",
        linkedTransactionId: "",
        accountNo: "",
      },
    });
  }
  moves.sort((a, b) => a.at - b.at || b.deltaCents - a.deltaCents); // a payment before its charge
  const from = opts.from ?? (moves.length ? Math.min(...moves.map((m) => m.at)) : opts.now);
  const to = opts.to ?? opts.now;
  let balance = opts.openingKes * 100;
  for (const m of moves) if (m.at < from) balance += m.deltaCents;
  const openingCents = balance;
  const lines: StatementLine[] = [];
  let paidIn = 0;
  let withdrawn = 0;
  for (const m of moves) {
    if (m.at < from || m.at > to) continue;
    balance += m.deltaCents;
    if (m.deltaCents > 0) paidIn += m.deltaCents;
    else withdrawn -= m.deltaCents;
    lines.push({ ...m.line, balanceCents: balance });
  }
  lines.reverse();
  return {
    accountHolder: opts.organization ?? "EMULATED MERCHANT",
    shortCode: opts.shortCode,
    account: "Utility Account",
    from,
    to,
    operator: "emulator",
    organization: opts.organization ?? "EMULATED MERCHANT",
    reportedAt: opts.now,
    openingCents,
    closingCents: balance,
    totalPaidInCents: paidIn,
    totalWithdrawnCents: withdrawn,
    lines,
  };
}

/**
 * A synthetic statement of `rows` rows (payments, each charged payment's twin, a few Fuliza payments,
 * a daily settlement), deterministic for a seed: the bench's and the tests' large files.
 */
export function syntheticStatement(opts: { rows: number; shortCode?: string; seed?: number; start?: number }) {
  let x = opts.seed ?? 1;
  const rand = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const shortCode = opts.shortCode ?? "174379";
  const start = opts.start ?? Date.UTC(2026, 10, 1, 0, 0, 0) - EAT_OFFSET_MS;
  const moves: { line: Omit<StatementLine, "balanceCents">; deltaCents: number }[] = [];
  const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  const used = new Set<string>();
  const receipt = () => {
    for (;;) {
      let r = ALNUM[Math.floor(rand() * 26)];
      for (let i = 0; i < 9; i++) r += ALNUM[Math.floor(rand() * 36)];
      if (!used.has(r)) {
        used.add(r);
        return r;
      }
    }
  };
  let at = start;
  let sinceSettlement = 0;
  let day = Math.floor((start + EAT_OFFSET_MS) / 86_400_000);
  while (moves.length < opts.rows) {
    at += 1000 + Math.floor(rand() * 20_000);
    const today = Math.floor((at + EAT_OFFSET_MS) / 86_400_000);
    if (today !== day && sinceSettlement > 0) {
      day = today;
      moves.push({
        deltaCents: -sinceSettlement,
        line: {
          receipt: receipt(),
          completedAt: at,
          initiatedAt: at,
          details: "Utility Account to Organization Settlement Account",
          status: "Completed",
          paidInCents: null,
          withdrawnCents: sinceSettlement,
          reasonType: "Settlement",
          otherParty: "",
          linkedTransactionId: "",
          accountNo: "",
        },
      });
      sinceSettlement = 0;
      continue;
    }
    const amount = 1 + Math.floor(rand() * 9_999);
    const r = receipt();
    const msisdn = `2547${String(Math.floor(rand() * 1e8)).padStart(8, "0")}`;
    const party = `${maskForStatement(msisdn)} - CUSTOMER **** ${moves.length}`;
    const acc = `SHP${10_000 + moves.length}`;
    const od = rand() < 0.05;
    moves.push({
      deltaCents: amount * 100,
      line: {
        receipt: r,
        completedAt: at,
        initiatedAt: at - 5000,
        details: `Pay Bill from ${party} Acc. ${acc}`,
        status: "Completed",
        paidInCents: amount * 100,
        withdrawnCents: null,
        reasonType: od ? "Pay Utility with OD via STK" : "Pay Utility",
        otherParty: party,
        linkedTransactionId: "",
        accountNo: acc,
      },
    });
    sinceSettlement += amount * 100;
    const charge = chargeFor(amount);
    if (charge > 0 && moves.length < opts.rows) {
      moves.push({
        deltaCents: -charge * 100,
        line: {
          receipt: r,
          completedAt: at,
          initiatedAt: at - 5000,
          details: "Pay Bill Charge",
          status: "Completed",
          paidInCents: null,
          withdrawnCents: charge * 100,
          reasonType: "Pay Bill Charge",
          otherParty: "SP",
          linkedTransactionId: "",
          accountNo: "",
        },
      });
      sinceSettlement -= charge * 100;
    }
  }
  const openingCents = 100_000_00;
  let balance = openingCents;
  let paidIn = 0;
  let withdrawn = 0;
  const lines: StatementLine[] = moves.map((m) => {
    balance += m.deltaCents;
    if (m.deltaCents > 0) paidIn += m.deltaCents;
    else withdrawn -= m.deltaCents;
    return { ...m.line, balanceCents: balance };
  });
  lines.reverse();
  const doc: StatementDocument = {
    accountHolder: "EMULATED MERCHANT",
    shortCode,
    account: "Utility Account",
    from: start,
    to: at,
    operator: "emulator",
    organization: "EMULATED MERCHANT",
    reportedAt: at + 60_000,
    openingCents,
    closingCents: balance,
    totalPaidInCents: paidIn,
    totalWithdrawnCents: withdrawn,
    lines,
  };
  return doc;
}

const money = (cents: number | null, negative = false) => {
  if (cents === null) return "";
  const v = (negative ? -cents : cents) / 100;
  return v.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
};

/** The rows of the sheet, preamble first, as cell arrays (strings and numbers as the portal writes them). */
function* sheetRows(doc: StatementDocument, f: StatementFaults): Generator<(string | number)[]> {
  const t = (ms: number) => statementTime(ms, f.monthFirst);
  yield ["Account Holder:", doc.accountHolder];
  yield ["Short Code:", f.shortCode ?? doc.shortCode];
  yield ["Account:", doc.account];
  yield ["Time Period:", "From", t(doc.from), "To", t(doc.to)];
  yield ["Operator:", doc.operator, "Organization:", doc.organization, "Date of Report:", t(doc.reportedAt)];
  yield [
    "Opening Balance:",
    money(doc.openingCents),
    "Closing Balance:",
    money(doc.closingCents),
    "Available Balance:",
    money(doc.closingCents),
    "Total Paid In:",
    money(doc.totalPaidInCents + (f.totalsOffKes ?? 0) * 100),
    "Total Withdrawn:",
    money(doc.totalWithdrawnCents, true),
  ];
  yield [...STATEMENT_HEADER];
  const row = (l: StatementLine) => [
    l.receipt,
    t(l.completedAt),
    l.initiatedAt === null ? "" : t(l.initiatedAt),
    l.details,
    l.status,
    money(l.paidInCents),
    money(l.withdrawnCents, true),
    money(l.balanceCents),
    "true",
    l.reasonType,
    l.otherParty,
    l.linkedTransactionId,
    l.accountNo,
    "KES",
  ];
  const dup = Math.min(f.duplicateRows ?? 0, doc.lines.length);
  for (let i = 0; i < doc.lines.length; i++) {
    yield row(doc.lines[i]);
    if (i < dup) yield row(doc.lines[i]);
  }
}

const csvCell = (v: string | number) => {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** The statement as CSV text, streamed line by line (a 100,000-row file is never one string). */
export function statementCsvStream(doc: StatementDocument, faults: StatementFaults = {}): Readable {
  const lines = (function* () {
    for (const r of sheetRows(doc, faults)) yield r.map(csvCell).join(",") + "\r\n";
  })();
  if (faults.truncateAt === undefined) return Readable.from(lines);
  // Truncation needs the length: build it, then cut (fault files are small).
  const whole = [...lines].join("");
  return Readable.from([Buffer.from(whole).subarray(0, Math.floor(Buffer.byteLength(whole) * faults.truncateAt))]);
}

/** The statement as an .xlsx workbook (sheet "transaction"), written by exceljs's streaming writer. */
export function statementXlsxStream(doc: StatementDocument, faults: StatementFaults = {}): Readable {
  const out = new PassThrough();
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useSharedStrings: false, useStyles: false });
  const ws = wb.addWorksheet("transaction");
  let first = true;
  void (async () => {
    try {
      let n = 0;
      for (const r of sheetRows(doc, faults)) {
        const row = ws.addRow(r);
        n++;
        if (faults.formula && first && n === 8) {
          row.getCell(6).value = { formula: "1+1", result: 2 } as ExcelJS.CellFormulaValue;
          first = false;
        }
        row.commit();
        // Let the consumer drain between rows so the writer's buffer stays small.
        if (n % 2000 === 0) await new Promise((r) => setImmediate(r));
      }
      ws.commit();
      await wb.commit();
    } catch (err) {
      out.destroy(err as Error);
    }
  })();
  return out;
}

export async function toBuffer(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks);
}

/** A statement file in memory, with the truncation fault applied to XLSX too. */
export async function statementFile(
  doc: StatementDocument,
  format: "csv" | "xlsx",
  faults: StatementFaults = {},
): Promise<Buffer> {
  if (format === "csv") return toBuffer(statementCsvStream(doc, faults));
  const bytes = await toBuffer(statementXlsxStream(doc, faults));
  return faults.truncateAt === undefined ? bytes : bytes.subarray(0, Math.floor(bytes.length * faults.truncateAt));
}
