// The format rules of the Org Portal statement, applied row by row as a reader streams them:
// preamble values found by label, the header row found by name (columns mapped by name, so the optional
// 14th `Currency` column or a reordering changes nothing), each row read and classified, exact repeats
// collapsed, and at the end the file's own control totals checked. Whatever a reader delivers (CSV or
// XLSX) goes through here, so both formats obey the same rules.
import {
  cellText,
  cleanDetails,
  formatKes,
  isBlank,
  parseAccountNo,
  parseCents,
  parseOtherParty,
  parseReceipt,
  parseShortCode,
  parseStatementTime,
} from "./values";
import {
  refuse,
  StatementRefusal,
  type Cell,
  type ParsedStatement,
  type StatementFormat,
  type StatementLimits,
  type StatementPreamble,
  type StatementProblem,
  type StatementRow,
  type StatementRowKind,
} from "./types";

/** How far down the header row may be (the portal puts it on row 7). */
const HEADER_SEARCH_ROWS = 30;
/** Row problems listed by name; the rest are counted. */
const MAX_LISTED_PROBLEMS = 20;

const norm = (s: string) => s.toLowerCase().replace(/[.:]/g, "").replace(/\s+/g, " ").trim();

type Column =
  | "receipt"
  | "completionTime"
  | "initiationTime"
  | "details"
  | "status"
  | "paidIn"
  | "withdrawn"
  | "balance"
  | "balanceConfirmed"
  | "reasonType"
  | "otherParty"
  | "linkedTransactionId"
  | "accountNo"
  | "currency";

const HEADER_NAMES: Record<string, Column> = {
  "receipt no": "receipt",
  "completion time": "completionTime",
  "initiation time": "initiationTime",
  details: "details",
  "transaction status": "status",
  "paid in": "paidIn",
  withdrawn: "withdrawn",
  balance: "balance",
  "balance confirmed": "balanceConfirmed",
  "reason type": "reasonType",
  "transaction type": "reasonType", // Mifos-era name of the same column
  "other party info": "otherParty",
  "linked transaction id": "linkedTransactionId",
  "a/c no": "accountNo",
  currency: "currency",
};

const REQUIRED: Column[] = ["receipt", "completionTime", "details", "status", "paidIn", "withdrawn"];
const COLUMN_TITLES: Record<Column, string> = {
  receipt: "Receipt No.",
  completionTime: "Completion Time",
  initiationTime: "Initiation Time",
  details: "Details",
  status: "Transaction Status",
  paidIn: "Paid In",
  withdrawn: "Withdrawn",
  balance: "Balance",
  balanceConfirmed: "Balance Confirmed",
  reasonType: "Reason Type",
  otherParty: "Other Party Info",
  linkedTransactionId: "Linked Transaction ID",
  accountNo: "A/C No.",
  currency: "Currency",
};

type PreambleLabel =
  | "accountHolder"
  | "shortCode"
  | "account"
  | "timePeriod"
  | "operator"
  | "organization"
  | "reportedAt"
  | "openingBalance"
  | "closingBalance"
  | "availableBalance"
  | "totalPaidIn"
  | "totalWithdrawn";

const PREAMBLE_LABELS: Record<string, PreambleLabel> = {
  "account holder": "accountHolder",
  "organisation name": "accountHolder",
  "organization name": "accountHolder",
  "short code": "shortCode",
  shortcode: "shortCode",
  account: "account",
  "time period": "timePeriod",
  operator: "operator",
  organization: "organization",
  organisation: "organization",
  "date of report": "reportedAt",
  "opening balance": "openingBalance",
  "closing balance": "closingBalance",
  "available balance": "availableBalance",
  "total paid in": "totalPaidIn",
  "total withdrawn": "totalWithdrawn",
};

const emptyPreamble = (): StatementPreamble => ({
  accountHolder: null,
  shortCode: null,
  account: null,
  periodFrom: null,
  periodTo: null,
  operator: null,
  organization: null,
  reportedAt: null,
  openingBalanceCents: null,
  closingBalanceCents: null,
  availableBalanceCents: null,
  totalPaidInCents: null,
  totalWithdrawnCents: null,
});

export type Assembler = ReturnType<typeof createAssembler>;

/** A row's identity in the file (receipt|kind) and what tells an exact repeat from a contradiction. */
export type RowKey = { line: number; amountCents: number; completedAtMs: number; accountNo: string | null };

/**
 * `onRow` given: each accepted row is handed over as it is read (and may return a promise: the reader
 * waits for it) and not kept — only its key (a few dozen bytes) stays, for repeats and the caller's checks.
 */
export type RowSink = (row: StatementRow) => void | Promise<void>;

export function createAssembler(
  format: StatementFormat,
  limits: StatementLimits,
  now: Date = new Date(),
  onRow?: RowSink,
  /**
   * The keys a first pass over this same file returned: a second pass uses them instead of keeping its
   * own (a 100,000-row file's keys are the import's largest live data). A row is taken where its key
   * was first seen and counted as a repeat elsewhere; one the first pass did not see fails the pass.
   */
  knownKeys?: Map<string, RowKey>,
) {
  const latest = now.getTime() + 24 * 3600_000; // a day's grace for clocks
  const preamble = emptyPreamble();
  const preambleProblems: string[] = [];
  let columns: Map<Column, number> | null = null;
  let headerLength = 0;
  let rowsSeen = 0; // rows of any kind, for the header search
  let dataRows = 0;
  const rows: StatementRow[] = [];
  /** receipt|kind -> the row's key values (exact repeats are told apart from conflicting ones by them). */
  const seen = new Map<string, RowKey>();
  let accepted = 0;
  // Rows completed outside the preamble's Time Period (which precedes the rows), counted as they are
  // read: with an onRow sink the rows are not kept to look at afterwards.
  const outsidePeriod = { count: 0, firstLine: 0 };
  const problems: StatementProblem[] = [];
  let problemCount = 0;
  let notCompleted = 0;
  let duplicatesCollapsed = 0;
  let footer: { paidInCents: number | null; withdrawnCents: number | null; line: number } | null = null;
  const dateOrder = { dayFirst: 0, monthFirst: 0, firstMonthFirstLine: 0 };
  const sums = { paidInCents: 0, withdrawnCents: 0 };

  const rowProblem = (line: number, message: string) => {
    problemCount++;
    if (problems.length < MAX_LISTED_PROBLEMS)
      problems.push({ code: "BAD_ROW", message: `Row ${line}: ${message}`, line });
  };

  function checkCells(cells: Cell[], line: number) {
    for (let i = 0; i < cells.length; i++) {
      const c = cells[i];
      if (typeof c === "string" && c.length > limits.maxCellChars)
        refuse(
          "CELL_TOO_LONG",
          `Row ${line}, column ${i + 1}: a cell of ${c.length.toLocaleString("en")} characters (at most ${limits.maxCellChars.toLocaleString("en")}). An M-PESA statement has no such cells.`,
          line,
        );
    }
  }

  function readPreambleRow(cells: Cell[]) {
    for (let i = 0; i < cells.length; i++) {
      if (typeof cells[i] !== "string") continue;
      const label = PREAMBLE_LABELS[norm(cells[i] as string)];
      if (!label) {
        // "From …" / "To …" or a label without its colon inside a one-cell CSV preamble line
        const inline = /^([A-Za-z ]+):\s*(.+)$/.exec(cellText(cells[i]));
        const inlineLabel = inline ? PREAMBLE_LABELS[norm(inline[1])] : undefined;
        if (inline && inlineLabel) setPreamble(inlineLabel, [inline[2], ...restOf(cells, i + 1)]);
        continue;
      }
      setPreamble(label, restOf(cells, i + 1));
    }
  }

  /** The cells after a label, up to the next label. */
  function restOf(cells: Cell[], from: number): Cell[] {
    const out: Cell[] = [];
    for (let j = from; j < cells.length; j++) {
      const c = cells[j];
      if (typeof c === "string" && PREAMBLE_LABELS[norm(c)]) break;
      if (!isBlank(c)) out.push(c);
    }
    return out;
  }

  function setPreamble(label: PreambleLabel, values: Cell[]) {
    const first = values[0] ?? null;
    const money = (key: keyof StatementPreamble, title: string) => {
      const v = parseCents(first);
      if (v === undefined) preambleProblems.push(`${title} "${cellText(first)}" is not an amount`);
      else (preamble[key] as number | null) = v;
    };
    switch (label) {
      case "accountHolder":
        preamble.accountHolder = cellText(first) || null;
        break;
      case "shortCode":
        preamble.shortCode = parseShortCode(first);
        if (!preamble.shortCode && !isBlank(first))
          preambleProblems.push(`Short Code "${cellText(first)}" is not a shortcode`);
        break;
      case "account":
        preamble.account = cellText(first) || null;
        break;
      case "operator":
        preamble.operator = cellText(first) || null;
        break;
      case "organization":
        preamble.organization = cellText(first) || null;
        break;
      case "reportedAt": {
        const t = parseStatementTime(first);
        preamble.reportedAt = t.ok ? t.at : null;
        break;
      }
      case "timePeriod":
        readPeriod(values);
        break;
      case "openingBalance":
        money("openingBalanceCents", "Opening Balance");
        break;
      case "closingBalance":
        money("closingBalanceCents", "Closing Balance");
        break;
      case "availableBalance":
        money("availableBalanceCents", "Available Balance");
        break;
      case "totalPaidIn":
        money("totalPaidInCents", "Total Paid In");
        break;
      case "totalWithdrawn": {
        money("totalWithdrawnCents", "Total Withdrawn");
        if (preamble.totalWithdrawnCents !== null)
          preamble.totalWithdrawnCents = Math.abs(preamble.totalWithdrawnCents);
        break;
      }
    }
  }

  /** `From` | date | `To` | date, or `From date` | `To date`, or `From date To date` in one cell. */
  function readPeriod(values: Cell[]) {
    const parts: Cell[] = [];
    for (const v of values) {
      if (typeof v !== "string") {
        parts.push(v);
        continue;
      }
      for (const piece of v.split(/\b(?=From\b|To\b)/i)) {
        const stripped = piece.replace(/^\s*(From|To)\s*:?\s*/i, "").trim();
        if (stripped !== "") parts.push(stripped);
      }
    }
    const from = parseStatementTime(parts[0] ?? null);
    const to = parseStatementTime(parts[1] ?? null);
    preamble.periodFrom = from.ok ? from.at : null;
    preamble.periodTo = to.ok ? to.at : null;
  }

  function readHeader(cells: Cell[], line: number): boolean {
    const idx = cells.findIndex((c) => typeof c === "string" && norm(c) === "receipt no");
    if (idx < 0) return false;
    const map = new Map<Column, number>();
    cells.forEach((c, i) => {
      const col = typeof c === "string" ? HEADER_NAMES[norm(c)] : undefined;
      if (!col) return;
      if (map.has(col)) refuse("NOT_A_STATEMENT", `Row ${line}: the column "${cellText(c)}" appears twice.`, line);
      map.set(col, i);
    });
    const missing = REQUIRED.filter((c) => !map.has(c));
    if (missing.length)
      refuse(
        "NOT_A_STATEMENT",
        `The header row (row ${line}) has no ${missing.map((c) => `"${COLUMN_TITLES[c]}"`).join(", ")} column: not an M-PESA organisation statement.`,
        line,
      );
    columns = map;
    headerLength = cells.length;
    while (headerLength > 0 && isBlank(cells[headerLength - 1])) headerLength--;
    return true;
  }

  function readRow(cells: Cell[], line: number) {
    const cols = columns!;
    const at = (c: Column): Cell => {
      const i = cols.get(c);
      return i === undefined ? null : (cells[i] ?? null);
    };
    const receiptCell = at("receipt");
    if (isBlank(receiptCell)) {
      // A footer totals row (`,,,Totals,,"1,785.00",15.00,`) gives control totals; other receiptless rows are skipped.
      if (cells.some((c) => typeof c === "string" && /^totals?:?$/i.test(c.trim()))) {
        const paidIn = parseCents(at("paidIn"));
        const withdrawn = parseCents(at("withdrawn"));
        if (paidIn === undefined || withdrawn === undefined)
          rowProblem(line, "the totals row has an unreadable amount");
        else footer = { paidInCents: paidIn, withdrawnCents: withdrawn === null ? null : Math.abs(withdrawn), line };
      }
      return;
    }
    dataRows++;
    if (dataRows > limits.maxRows)
      refuse(
        "TOO_MANY_ROWS",
        `More than ${limits.maxRows.toLocaleString("en")} rows: export a shorter period and import each file.`,
        line,
      );
    const receipt = parseReceipt(receiptCell);
    if (!receipt) return rowProblem(line, `"${cellText(receiptCell).slice(0, 40)}" is not an M-PESA receipt number`);
    // CSV writes every cell of a row; a shorter row was cut off (XLSX leaves trailing blanks out).
    if (format === "csv" && cells.length < headerLength)
      return rowProblem(
        line,
        `${cells.length} cells where the header has ${headerLength}: the row is cut short (was the file cut off?)`,
      );
    const status = cellText(at("status"));
    if (status === "") return rowProblem(line, "no Transaction Status");
    if (status.toLowerCase() !== "completed") {
      notCompleted++;
      return;
    }
    const completed = parseStatementTime(at("completionTime"));
    if (!completed.ok) {
      noteDateOrder(completed, line);
      return rowProblem(
        line,
        completed.ok === null
          ? "no Completion Time"
          : `Completion Time "${cellText(at("completionTime"))}" is not a day-first date and time`,
      );
    }
    if (completed.order === "day-first") dateOrder.dayFirst++;
    if (completed.at.getTime() > latest)
      return rowProblem(line, `Completion Time ${cellText(at("completionTime"))} is in the future (read day-first)`);
    const initiated = parseStatementTime(at("initiationTime"));
    if (initiated.ok === false) {
      noteDateOrder(initiated, line);
      return rowProblem(line, `Initiation Time "${cellText(at("initiationTime"))}" is not a day-first date and time`);
    }
    if (initiated.ok && initiated.order === "day-first") dateOrder.dayFirst++;

    const paidIn = parseCents(at("paidIn"));
    const withdrawnSigned = parseCents(at("withdrawn"));
    if (paidIn === undefined) return rowProblem(line, `Paid In "${cellText(at("paidIn"))}" is not an amount`);
    if (withdrawnSigned === undefined)
      return rowProblem(line, `Withdrawn "${cellText(at("withdrawn"))}" is not an amount`);
    const withdrawn = withdrawnSigned === null ? null : Math.abs(withdrawnSigned);
    if (paidIn !== null && paidIn < 0) return rowProblem(line, `Paid In is negative (${formatKes(paidIn)})`);
    const credit = paidIn !== null && paidIn > 0;
    const debit = withdrawn !== null && withdrawn > 0;
    if (credit && debit) return rowProblem(line, "both Paid In and Withdrawn are filled in");
    if (!credit && !debit) return rowProblem(line, "neither Paid In nor Withdrawn has an amount");
    const balance = parseCents(at("balance"));
    if (balance === undefined) return rowProblem(line, `Balance "${cellText(at("balance"))}" is not an amount`);

    const details = cleanDetails(at("details"));
    const reasonType = cellText(at("reasonType")) || null;
    const currency = cellText(at("currency")).toUpperCase() || null;
    if (currency !== null && currency !== "KES")
      return rowProblem(line, `currency ${currency}: only KES statements are read`);
    const kind = classify(credit, details, reasonType);
    const amountCents = credit ? paidIn! : withdrawn!;
    const party = parseOtherParty(at("otherParty"));
    const account = parseAccountNo(at("accountNo"));
    const linked = parseReceipt(at("linkedTransactionId")) ?? (cellText(at("linkedTransactionId")) || null);

    const key = `${receipt}|${kind}`;
    if (knownKeys) {
      const first = knownKeys.get(key);
      if (!first) return rowProblem(line, `receipt ${receipt} was not in the file when it was checked`);
      if (first.line !== line) {
        duplicatesCollapsed++;
        return;
      }
    }
    const earlier = knownKeys ? undefined : seen.get(key);
    if (earlier !== undefined) {
      if (
        earlier.amountCents === amountCents &&
        earlier.completedAtMs === completed.at.getTime() &&
        earlier.accountNo === account.normalised
      ) {
        duplicatesCollapsed++;
        return;
      }
      problemCount++;
      if (problems.length < MAX_LISTED_PROBLEMS)
        problems.push({
          code: "CONFLICTING_DUPLICATE",
          message: `Rows ${earlier.line} and ${line}: receipt ${receipt} appears twice as a ${kind} with different values.`,
          line,
        });
      return;
    }
    if (!knownKeys)
      seen.set(key, { line, amountCents, completedAtMs: completed.at.getTime(), accountNo: account.normalised });
    accepted++;
    const { periodFrom, periodTo } = preamble;
    if (
      periodFrom &&
      periodTo &&
      (completed.at < periodFrom || completed.at.getTime() > periodTo.getTime() + 59_000) &&
      outsidePeriod.count++ === 0
    )
      outsidePeriod.firstLine = line;
    if (credit) sums.paidInCents += amountCents;
    else sums.withdrawnCents += amountCents;
    const row: StatementRow = {
      line,
      receipt,
      kind,
      amountCents,
      completedAt: completed.at,
      initiatedAt: initiated.ok ? initiated.at : null,
      details,
      status: "Completed",
      reasonType,
      overdraft: reasonType !== null && /\bwith OD\b/i.test(reasonType),
      otherPartyMsisdn: party.msisdn,
      otherPartyName: party.name,
      linkedTransactionId: linked,
      accountNoRaw: account.raw,
      accountNo: account.normalised,
      balanceCents: balance,
      currency,
    };
    if (onRow) return onRow(row);
    rows.push(row);
  }

  function noteDateOrder(reading: { ok: false; monthFirst?: boolean } | { ok: null }, line: number) {
    if (reading.ok === null || !reading.monthFirst) return;
    if (!dateOrder.monthFirst) dateOrder.firstMonthFirstLine = line;
    dateOrder.monthFirst++;
  }

  return {
    /** One row of cells, in file order; `line` is its 1-based position in the file. */
    push(cells: Cell[], line: number): void | Promise<void> {
      checkCells(cells, line);
      if (columns) return readRow(cells, line);
      rowsSeen++;
      if (cells.every(isBlank)) return;
      if (readHeader(cells, line)) return;
      if (rowsSeen >= HEADER_SEARCH_ROWS)
        refuse(
          "NOT_A_STATEMENT",
          `No "Receipt No." header row in the first ${HEADER_SEARCH_ROWS} rows: not an M-PESA organisation statement (export it from the Org Portal as CSV or Excel).`,
        );
      readPreambleRow(cells);
    },

    finish(): ParsedStatement {
      if (!columns)
        refuse(
          rowsSeen === 0 ? "EMPTY" : "NOT_A_STATEMENT",
          rowsSeen === 0
            ? "The file is empty."
            : `No "Receipt No." header row: not an M-PESA organisation statement (export it from the Org Portal as CSV or Excel).`,
        );
      const refusals: StatementProblem[] = [];
      if (dateOrder.monthFirst)
        refusals.push({
          code: "DATE_ORDER",
          message:
            `Dates are month-first (row ${dateOrder.firstMonthFirstLine} onwards, ${dateOrder.monthFirst} value(s)); the Org Portal writes them day-first ` +
            `(dd-mm-yyyy). The file was probably re-saved by a spreadsheet set to another region: download it again from the portal and import it unchanged.`,
          line: dateOrder.firstMonthFirstLine,
        });
      if (dateOrder.monthFirst && dateOrder.dayFirst)
        refusals.push({ code: "DATE_ORDER", message: "The file mixes day-first and month-first dates." });
      for (const p of preambleProblems) refusals.push({ code: "NOT_A_STATEMENT", message: `Preamble: ${p}.` });
      // Date-order failures are one finding, not one per row.
      const listed = dateOrder.monthFirst
        ? problems.filter((p) => !/Time ".*" is not a day-first/.test(p.message))
        : problems;
      refusals.push(...listed);
      const unlisted = problemCount - problems.length;
      if (unlisted > 0) refusals.push({ code: "BAD_ROW", message: `… and ${unlisted} more row problem(s).` });

      if (!preamble.shortCode && !preambleProblems.some((p) => p.startsWith("Short Code")))
        refusals.push({
          code: "NO_SHORTCODE",
          message: 'The preamble has no "Short Code:": the file cannot be checked against your M-PESA account.',
        });

      const totals = {
        paidIn: preamble.totalPaidInCents ?? footer?.paidInCents ?? null,
        withdrawn: preamble.totalWithdrawnCents ?? footer?.withdrawnCents ?? null,
      };
      if (
        footer &&
        preamble.totalPaidInCents !== null &&
        footer.paidInCents !== null &&
        footer.paidInCents !== preamble.totalPaidInCents
      )
        refusals.push({
          code: "TOTALS_MISMATCH",
          message: `The totals row (row ${footer.line}) says Paid In ${formatKes(footer.paidInCents)} but the preamble says ${formatKes(preamble.totalPaidInCents)}.`,
        });
      if (totals.paidIn === null && totals.withdrawn === null)
        refusals.push({
          code: "NO_CONTROL_TOTALS",
          message:
            'The file has no "Total Paid In:" / "Total Withdrawn:" control totals, so a complete file cannot be told from a cut-off one. Export the statement again from the Org Portal.',
        });
      const only = refusals.length === 0;
      if (only) {
        if (totals.paidIn !== null && totals.paidIn !== sums.paidInCents)
          refusals.push(totalsMismatch("Paid In", totals.paidIn, sums.paidInCents));
        if (totals.withdrawn !== null && totals.withdrawn !== sums.withdrawnCents)
          refusals.push(totalsMismatch("Withdrawn", totals.withdrawn, sums.withdrawnCents));
      }
      if (refusals.length) throw new StatementRefusal(refusals);

      const warnings: string[] = [];
      const { openingBalanceCents: open, closingBalanceCents: close } = preamble;
      if (open !== null && close !== null && totals.paidIn !== null && totals.withdrawn !== null) {
        const expected = open + totals.paidIn - totals.withdrawn;
        if (expected !== close)
          warnings.push(
            `Opening balance ${formatKes(open)} + paid in ${formatKes(totals.paidIn)} − withdrawn ${formatKes(totals.withdrawn)} = ${formatKes(expected)}, but the closing balance is ${formatKes(close)}.`,
          );
      }
      if (outsidePeriod.count)
        warnings.push(
          `${outsidePeriod.count} row(s) completed outside the statement's Time Period (first: row ${outsidePeriod.firstLine}).`,
        );
      if (duplicatesCollapsed) warnings.push(`${duplicatesCollapsed} repeated row(s) counted once.`);
      return {
        format,
        preamble,
        shortCode: preamble.shortCode!,
        rows,
        rowCount: accepted,
        keys: knownKeys ?? seen,
        sums: { ...sums },
        notCompleted,
        duplicatesCollapsed,
        warnings,
      };
    },
  };
}

function totalsMismatch(what: string, stated: number, summed: number): StatementProblem {
  const diff = summed - stated;
  return {
    code: "TOTALS_MISMATCH",
    message:
      `The rows add up to ${what} ${formatKes(summed)} but the file's Total ${what} is ${formatKes(stated)} ` +
      `(${diff > 0 ? "rows exceed it by" : "rows are short by"} KES ${formatKes(Math.abs(diff))}). ` +
      "The file is incomplete or was edited: export it again from the Org Portal.",
  };
}

/** Charge twins, settlements and other money out, from Details and Reason Type (§ "How each transaction shows up"). */
export function classify(credit: boolean, details: string, reasonType: string | null): StatementRowKind {
  if (credit) return "credit";
  if (/charge\s*$/i.test(details) || (reasonType !== null && /charge/i.test(reasonType))) return "charge";
  if (/settle(ment)?\b/i.test(details) || (reasonType !== null && /settlement/i.test(reasonType))) return "settlement";
  return "debit";
}
