import { randomUUID } from "node:crypto";
import { Prisma, type PrismaClient } from "@prisma/client";
import {
  formatKes,
  parseStatement,
  type ParsedStatement,
  type StatementLimits,
  type StatementProblem,
  type StatementRow,
  type StatementSource,
} from "./statement";
import type { ShortcodeCheck } from "./shortcodes.server";

// Importing a parsed statement: all or nothing. A file that is refused (by the parser, the shortcode
// check, a row with cents, or a row that contradicts one stored earlier) stores no row; the import is
// recorded either way, with its reasons. Rows are keyed on (shop, shortcode, receipt, kind), so the same
// or an overlapping file adds only what is new and reports the rest as already known.

export type ImportDb = Pick<PrismaClient, "statementImport" | "statementRow" | "$executeRaw">;

export type ImportResult = {
  importId: string;
  status: "IMPORTED" | "REFUSED";
  problems: StatementProblem[];
  warnings: string[];
  shortCode: string | null;
  format: string | null;
  period: { from: Date | null; to: Date | null } | null;
  rows: number;
  newRows: number;
  knownRows: number;
  notCompleted: number;
  duplicatesCollapsed: number;
  paidInKes: number | null;
  withdrawnKes: number | null;
};

export type ImportInput = {
  shop: string;
  file: { name: string; bytes: number; sha256: string; source: StatementSource };
  importedBy?: string | null;
  checkShortcode: ShortcodeCheck;
  limits?: Partial<StatementLimits>;
  now?: Date;
};

// Rows a write (one JSON parameter each, insertNew). Measured with bench:reconcile at 100,000 rows: 500
// a write completes with the V8 heap capped at 160 MB (RSS 256 MB); 1,000 and 2,000 are no faster and
// need a larger live heap (2,000 fails at 160 MB).
const WRITE_BATCH = 500;
const MAX_LISTED = 20;

export async function importStatement(db: ImportDb, input: ImportInput): Promise<ImportResult> {
  // Pass 1: read and check the whole file, keeping only each row's key (receipt|kind, amount, time) —
  // a 100,000-row statement is never held as rows. Rows with cents are noted on the way.
  const withCents: StatementProblem[] = [];
  const parsed = await parseStatement(input.file.source, {
    limits: input.limits,
    now: input.now,
    onRow: (r) => {
      if (r.amountCents % 100 !== 0 && withCents.length < MAX_LISTED)
        withCents.push({
          code: "BAD_ROW",
          line: r.line,
          message: `Row ${r.line}: ${formatKes(r.amountCents)} has cents; M-PESA amounts are whole shillings, so this is not an Org Portal export.`,
        });
    },
  });
  if (!parsed.ok) return recordRefusal(db, input, null, parsed.problems);
  const statement = parsed.statement;

  const owner = await input.checkShortcode(input.shop, statement.shortCode);
  if (!owner.ok) return recordRefusal(db, input, statement, [{ code: "WRONG_SHORTCODE", message: owner.message }]);
  if (withCents.length) return recordRefusal(db, input, statement, withCents);

  // Still read-only: a row that contradicts a stored one refuses the whole file before anything is
  // written. One range read (the file's time span ± a day) finds what is stored already — far cheaper than
  // looking receipts up in batches; a stored row whose time differs by more than that is still never
  // overwritten (the insert skips it), it is only counted as known instead of refused.
  const conflicts: StatementProblem[] = [];
  for await (const s of storedRowsAround(db, input.shop, statement.shortCode, statement.keys)) {
    const row = statement.keys.get(`${s.receipt}|${s.kind}`);
    if (!row) continue;
    if (s.amountKes * 100 !== row.amountCents || s.completedAt.getTime() !== row.completedAtMs) {
      if (conflicts.length < MAX_LISTED)
        conflicts.push({
          code: "CONFLICTING_DUPLICATE",
          line: row.line,
          message:
            `Row ${row.line}: receipt ${s.receipt} (${s.kind}) was imported before as KES ${s.amountKes.toLocaleString("en")} ` +
            `completed ${s.completedAt.toISOString()}; this file says KES ${formatKes(row.amountCents)} at ${new Date(row.completedAtMs).toISOString()}.`,
        });
    }
  }
  if (conflicts.length) return recordRefusal(db, input, statement, conflicts);

  // Pass 2: read the file again and write the rows in batches as they stream (the reader waits for each
  // batch). The file was checked whole in pass 1; if it reads differently now, nothing more is trusted.
  const record = await db.statementImport.create({
    data: { ...importFields(input, statement), status: "IMPORTING", rowCount: statement.rowCount },
  });
  let inserted = 0;
  let batch: StatementRow[] = [];
  const flush = async () => {
    const rows = batch;
    batch = [];
    if (rows.length) inserted += await insertNew(db, input.shop, statement.shortCode, record.id, rows);
  };
  const second = await parseStatement(input.file.source, {
    limits: input.limits,
    now: input.now,
    knownKeys: statement.keys,
    onRow: (r) => {
      batch.push(r);
      if (batch.length >= WRITE_BATCH) return flush();
    },
  });
  if (!second.ok || second.statement.rowCount !== statement.rowCount)
    throw new Error(`statement ${input.file.name} read differently the second time`);
  await flush();
  const knownRows = statement.rowCount - inserted;
  await db.statementImport.update({
    where: { id: record.id },
    data: { status: "IMPORTED", newRows: inserted, knownRows },
  });
  return result(record.id, "IMPORTED", [], statement, { newRows: inserted, knownRows });
}

type Stored = { receipt: string; kind: string; amountKes: number; completedAt: Date };

const DAY_MS = 86_400_000;
const STORED_PAGE = 5_000;

/** The rows stored for the shortcode in the file's time span ± a day, a page at a time (never all at once). */
async function* storedRowsAround(
  db: ImportDb,
  shop: string,
  shortCode: string,
  keys: ParsedStatement["keys"],
): AsyncGenerator<Stored> {
  if (!keys.size) return;
  let min = Infinity;
  let max = -Infinity;
  for (const k of keys.values()) {
    if (k.completedAtMs < min) min = k.completedAtMs;
    if (k.completedAtMs > max) max = k.completedAtMs;
  }
  let cursor: string | undefined;
  for (;;) {
    const page: (Stored & { id: string })[] = await db.statementRow.findMany({
      where: { shopDomain: shop, shortCode, completedAt: { gte: new Date(min - DAY_MS), lte: new Date(max + DAY_MS) } },
      select: { id: true, receipt: true, kind: true, amountKes: true, completedAt: true },
      orderBy: [{ completedAt: "asc" }, { id: "asc" }], // along the (shopDomain, completedAt) index
      take: STORED_PAGE,
      ...(cursor ? { skip: 1, cursor: { id: cursor } } : {}),
    });
    yield* page;
    if (page.length < STORED_PAGE) return;
    cursor = page[page.length - 1].id;
  }
}

const COLUMNS = [
  "id",
  "shopDomain",
  "shortCode",
  "receipt",
  "kind",
  "amountKes",
  "completedAt",
  "initiatedAt",
  "details",
  "reasonType",
  "overdraft",
  "otherPartyMsisdn",
  "otherPartyName",
  "linkedTransactionId",
  "accountNoRaw",
  "accountNo",
  "balanceCents",
  "importId",
] as const;
const COLUMN_LIST = Prisma.raw(COLUMNS.map((c) => `"${c}"`).join(", "));

/**
 * Inserts the rows not stored yet, one statement per batch — `INSERT … SELECT` from the batch sent as a
 * single JSON parameter (SQLite json_each, PostgreSQL json_array_elements), `ON CONFLICT DO NOTHING` on
 * the unique key — and returns how many were new. Another import racing on the same rows only changes
 * which of the two inserts them. One parameter a batch instead of 18 a row: the statement is the same
 * text for every batch and the driver converts one string (measured: bench/reconcile.bench.ts). (Prisma's
 * createMany costs ~5× more time and memory per row here, and SQLite has no skipDuplicates.)
 */
async function insertNew(db: ImportDb, shop: string, shortCode: string, importId: string, rows: StatementRow[]) {
  const postgres = (db as { _activeProvider?: string })._activeProvider === "postgresql";
  // DateTime as each database stores it for Prisma: SQLite text `…+00:00`; PostgreSQL timestamp(3) in UTC.
  const time = (d: Date | null) =>
    d === null ? null : postgres ? d.toISOString() : d.toISOString().replace("Z", "+00:00");
  const json = JSON.stringify(
    rows.map((r) => ({
      id: randomUUID(),
      receipt: r.receipt,
      kind: r.kind,
      amountKes: r.amountCents / 100,
      completedAt: time(r.completedAt),
      initiatedAt: time(r.initiatedAt),
      details: r.details,
      reasonType: r.reasonType,
      overdraft: r.overdraft,
      otherPartyMsisdn: r.otherPartyMsisdn,
      otherPartyName: r.otherPartyName,
      linkedTransactionId: r.linkedTransactionId,
      accountNoRaw: r.accountNoRaw,
      accountNo: r.accountNo,
      // a string: whole cents beyond 2^53 survive JSON
      balanceCents: r.balanceCents === null ? null : String(r.balanceCents),
    })),
  );
  if (postgres)
    return db.$executeRaw`INSERT INTO "StatementRow" (${COLUMN_LIST})
      SELECT j->>'id', ${shop}, ${shortCode}, j->>'receipt', j->>'kind', (j->>'amountKes')::integer,
        (j->>'completedAt')::timestamp(3), (j->>'initiatedAt')::timestamp(3), j->>'details', j->>'reasonType',
        (j->>'overdraft')::boolean, j->>'otherPartyMsisdn', j->>'otherPartyName', j->>'linkedTransactionId',
        j->>'accountNoRaw', j->>'accountNo', (j->>'balanceCents')::bigint, ${importId}
      FROM json_array_elements(${json}::json) AS j
      ON CONFLICT ("shopDomain", "shortCode", "receipt", "kind") DO NOTHING`;
  // SQLite: `WHERE true` keeps the upsert clause from being read as a join constraint.
  return db.$executeRaw`INSERT INTO "StatementRow" (${COLUMN_LIST})
    SELECT j.value ->> 'id', ${shop}, ${shortCode}, j.value ->> 'receipt', j.value ->> 'kind',
      CAST(j.value ->> 'amountKes' AS INTEGER), j.value ->> 'completedAt', j.value ->> 'initiatedAt',
      j.value ->> 'details', j.value ->> 'reasonType', j.value ->> 'overdraft', j.value ->> 'otherPartyMsisdn',
      j.value ->> 'otherPartyName', j.value ->> 'linkedTransactionId', j.value ->> 'accountNoRaw',
      j.value ->> 'accountNo', CAST(j.value ->> 'balanceCents' AS INTEGER), ${importId}
    FROM json_each(${json}) AS j WHERE true
    ON CONFLICT ("shopDomain", "shortCode", "receipt", "kind") DO NOTHING`;
}

function importFields(input: ImportInput, s: ParsedStatement | null) {
  return {
    shopDomain: input.shop,
    fileName: input.file.name.slice(0, 255),
    fileBytes: input.file.bytes,
    fileSha256: input.file.sha256,
    importedBy: input.importedBy ?? null,
    ...(s && {
      shortCode: s.shortCode,
      format: s.format,
      accountHolder: s.preamble.accountHolder,
      account: s.preamble.account,
      periodFrom: s.preamble.periodFrom,
      periodTo: s.preamble.periodTo,
      reportedAt: s.preamble.reportedAt,
      totalPaidInCents: s.preamble.totalPaidInCents === null ? null : BigInt(s.preamble.totalPaidInCents),
      totalWithdrawnCents: s.preamble.totalWithdrawnCents === null ? null : BigInt(s.preamble.totalWithdrawnCents),
      notCompleted: s.notCompleted,
      duplicatesCollapsed: s.duplicatesCollapsed,
      warnings: s.warnings.length ? JSON.stringify(s.warnings) : null,
    }),
  };
}

async function recordRefusal(
  db: ImportDb,
  input: ImportInput,
  s: ParsedStatement | null,
  problems: StatementProblem[],
): Promise<ImportResult> {
  const record = await db.statementImport.create({
    data: {
      ...importFields(input, s),
      status: "REFUSED",
      problems: JSON.stringify(problems),
      rowCount: s?.rowCount ?? 0,
    },
  });
  return result(record.id, "REFUSED", problems, s, { newRows: 0, knownRows: 0 });
}

function result(
  importId: string,
  status: ImportResult["status"],
  problems: StatementProblem[],
  s: ParsedStatement | null,
  counts: { newRows: number; knownRows: number },
): ImportResult {
  return {
    importId,
    status,
    problems,
    warnings: s?.warnings ?? [],
    shortCode: s?.shortCode ?? null,
    format: s?.format ?? null,
    period: s ? { from: s.preamble.periodFrom, to: s.preamble.periodTo } : null,
    rows: s?.rowCount ?? 0,
    ...counts,
    notCompleted: s?.notCompleted ?? 0,
    duplicatesCollapsed: s?.duplicatesCollapsed ?? 0,
    paidInKes: s ? s.sums.paidInCents / 100 : null,
    withdrawnKes: s ? s.sums.withdrawnCents / 100 : null,
  };
}

export type ImportSummary = {
  id: string;
  createdAt: string;
  fileName: string;
  status: string;
  shortCode: string | null;
  periodFrom: string | null;
  periodTo: string | null;
  rows: number;
  newRows: number;
  knownRows: number;
  problems: StatementProblem[];
};

/** The shop's latest imports, newest first, for the page (plain JSON: no BigInt, no personal data). */
export async function listImports(db: ImportDb, shop: string, take = 20): Promise<ImportSummary[]> {
  const rows = await db.statementImport.findMany({
    where: { shopDomain: shop },
    orderBy: { createdAt: "desc" },
    take,
  });
  return rows.map((r) => ({
    id: r.id,
    createdAt: r.createdAt.toISOString(),
    fileName: r.fileName,
    status: r.status,
    shortCode: r.shortCode,
    periodFrom: r.periodFrom?.toISOString() ?? null,
    periodTo: r.periodTo?.toISOString() ?? null,
    rows: r.rowCount,
    newRows: r.newRows,
    knownRows: r.knownRows,
    problems: r.problems ? (JSON.parse(r.problems) as StatementProblem[]) : [],
  }));
}
