import { Prisma, type PrismaClient } from "@prisma/client";
import Papa from "papaparse";
import { maskMsisdn } from "../../../lib/phone-mask";
import { formatEat } from "./format";
import { attemptCondition, c2bCondition, TILL_TYPES } from "./filters.server";
import type { PaymentFilters } from "./filters";
import { orderNumberOf } from "./list.server";
import { attemptReason, c2bReason, c2bStatusDisplay, statusDisplay } from "./words.server";

// The CSV export of the list's filtered set (the same conditions as the page and its totals), one line
// per payment, newest first. Streamed: pages of EXPORT_CHUNK ids are read by keyset (time, id below the
// last row's, on the indexes [shopDomain, createdAt] / [shopDomain, transTime]: a range `time <= last`
// the index serves, less the rows of that instant already written), their rows loaded,
// written as CSV text and dropped, so memory stays flat whatever the number of rows. Cells that a spreadsheet would run as a formula (= + - @, tab, CR) are prefixed with
// a quote (papaparse's escapeFormulae).

// 500: the ids of a chunk go into one IN list, and SQLite builds may cap bound parameters at 999.
export const EXPORT_CHUNK = 500;

export const CSV_COLUMNS = [
  "Date (EAT)",
  "Channel",
  "Order",
  "Status",
  "What happened",
  "Amount asked (KES)",
  "Amount received (KES)",
  "M-PESA receipt",
  "Phone / payer",
  "Account number typed",
  "Recorded in Shopify",
] as const;

type Line = (string | number)[];

/** Lines of CSV text, each ended by CRLF (RFC 4180), formula-looking cells defused. */
const csv = (lines: Line[]) => Papa.unparse(lines, { escapeFormulae: true, newline: "\r\n" }) + "\r\n";

async function* attemptLines(db: PrismaClient, shop: string, f: PaymentFilters): AsyncGenerator<Line[]> {
  const where = attemptCondition(shop, f);
  if (!where) return;
  let after: { at: Date; id: string } | null = null;
  for (;;) {
    const ids: { id: string }[] = await db.$queryRaw<{ id: string }[]>`
      SELECT "id" FROM "PaymentAttempt" WHERE ${where}
        ${after ? Prisma.sql`AND "createdAt" <= ${after.at} AND NOT ("createdAt" = ${after.at} AND "id" >= ${after.id})` : Prisma.empty}
      ORDER BY "createdAt" DESC, "id" DESC LIMIT ${EXPORT_CHUNK}`;
    if (ids.length === 0) return;
    const rows = await db.paymentAttempt.findMany({
      where: { id: { in: ids.map((r) => r.id) } },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    });
    const last = rows[rows.length - 1];
    after = { at: last.createdAt, id: last.id };
    yield rows.map((a) => [
      formatEat(a.createdAt, { seconds: true }),
      "M-PESA prompt",
      a.orderName ?? orderNumberOf(a.orderGid),
      statusDisplay(a.status).label,
      attemptReason(a),
      a.amountKes,
      a.mpesaReceipt ? (a.paidAmountKes ?? a.amountKes) : 0,
      a.mpesaReceipt ?? "",
      maskMsisdn(a.msisdn),
      "",
      a.recordedInShopifyAt ? formatEat(a.recordedInShopifyAt, { seconds: true }) : "No",
    ]);
    if (ids.length < EXPORT_CHUNK) return;
  }
}

async function* c2bLines(db: PrismaClient, shop: string, f: PaymentFilters): AsyncGenerator<Line[]> {
  const where = c2bCondition(shop, f);
  if (!where) return;
  let after: { at: Date; id: string } | null = null;
  for (;;) {
    const ids: { id: string }[] = await db.$queryRaw<{ id: string }[]>`
      SELECT "id" FROM "C2bPayment" WHERE ${where}
        ${after ? Prisma.sql`AND "transTime" <= ${after.at} AND NOT ("transTime" = ${after.at} AND "id" >= ${after.id})` : Prisma.empty}
      ORDER BY "transTime" DESC, "id" DESC LIMIT ${EXPORT_CHUNK}`;
    if (ids.length === 0) return;
    const rows = await db.c2bPayment.findMany({
      where: { id: { in: ids.map((r) => r.id) } },
      orderBy: [{ transTime: "desc" }, { id: "desc" }],
    });
    const last = rows[rows.length - 1];
    after = { at: last.transTime, id: last.id };
    yield rows.map((p) => [
      formatEat(p.transTime, { seconds: true }),
      TILL_TYPES.includes(p.transactionType) ? "Till (Buy Goods)" : "Paybill",
      p.orderName ?? (p.orderGid ? orderNumberOf(p.orderGid) : ""),
      c2bStatusDisplay(p.status).label,
      c2bReason(p),
      p.amountKes ?? p.amountText,
      p.status === "STK_DUPLICATE" ? 0 : (p.amountKes ?? 0),
      p.receipt,
      p.payerKind === "hashed" ? "hidden by M-PESA" : p.payerKind === "msisdn" ? maskMsisdn(p.payer) : (p.payer ?? ""),
      p.billRefRaw,
      p.recordedAt ? formatEat(p.recordedAt, { seconds: true }) : "No",
    ]);
    if (ids.length < EXPORT_CHUNK) return;
  }
}

/** The filtered set as a CSV byte stream: a header line, then one line per payment (prompts, then paybill/till). */
export function exportPaymentsCsv(db: PrismaClient, shop: string, f: PaymentFilters): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const sources = [attemptLines(db, shop, f), c2bLines(db, shop, f)];
  let headerSent = false;
  return new ReadableStream<Uint8Array>(
    {
      // Pull-based: the next chunk is read from the database only when the client has taken the last one.
      async pull(controller) {
        if (!headerSent) {
          headerSent = true;
          // UTF-8 byte order mark: Excel opens the file as UTF-8 (names with accents stay readable).
          controller.enqueue(encoder.encode(`\uFEFF${csv([[...CSV_COLUMNS]])}`));
          return;
        }
        while (sources.length) {
          const next = await sources[0].next();
          if (next.done) {
            sources.shift();
            continue;
          }
          controller.enqueue(encoder.encode(csv(next.value)));
          // The SQLite driver can answer without ever leaving the microtask queue: give the event loop
          // a turn per chunk, so a long export never holds up the server's other requests.
          await new Promise((resolve) => setImmediate(resolve));
          return;
        }
        controller.close();
      },
      async cancel() {
        await Promise.all(sources.map((s) => s.return(undefined)));
      },
    },
    { highWaterMark: 1 },
  );
}

/** "mpesa-payments-2026-12-01-to-2026-12-03.csv" (dates are the filter's EAT days, when set). */
export function exportFileName(f: PaymentFilters, today: string): string {
  const span = f.from || f.to ? `${f.from || "start"}-to-${f.to || today}` : `to-${today}`;
  return `mpesa-payments-${span}.csv`;
}
