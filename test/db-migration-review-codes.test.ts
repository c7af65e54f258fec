import { afterAll, describe, expect, it } from "vitest";
import { createPrismaClient } from "../app/db.server";
import {
  migrationIndex,
  migrationNames as names,
  migrationSql as sqlOf,
  openMigrationDb,
} from "./support/migration-db";

// The review_codes migration on a database as deployed before it: rows whose reviewReason holds
// "CODE: text" come out with reviewCode (the ReviewCode enum) and reviewDetail, on SQLite and
// PostgreSQL, with the very SQL files `npm run setup` applies.

const MIGRATION = "review_codes_receipt_claims";
const mine = migrationIndex(MIGRATION);

const REASONS: [string | null, string | null, string | null][] = [
  ["AMOUNT_SHORT: paid KES 90, expected KES 100", "AMOUNT_SHORT", "paid KES 90, expected KES 100"],
  [
    "QUERY_CONTRADICTS: callback says paid, STK query says 1032 Request: cancelled",
    "QUERY_CONTRADICTS",
    "callback says paid, STK query says 1032 Request: cancelled",
  ],
  ["RECEIPT_UNKNOWN: paid per STK query, receipt unknown", "RECEIPT_UNKNOWN", "paid per STK query, receipt unknown"],
  [
    "UNKNOWN_AFTER_QUERIES: still unresolved after 10 STK queries",
    "UNKNOWN_AFTER_QUERIES",
    "still unresolved after 10 STK queries",
  ],
  [
    "SECOND_PAYMENT_REFUND: order already paid by attempt a1; refund this payment",
    "SECOND_PAYMENT_REFUND",
    "order already paid by attempt a1; refund this payment",
  ],
  ["DUPLICATE_RECEIPT: RCPT1 already recorded (STK a2)", "DUPLICATE_RECEIPT", "RCPT1 already recorded (STK a2)"],
  ["LATE_SUCCESS", "LATE_SUCCESS", null],
  // A code the app no longer writes (its branch could not run): kept in words, under UNCLASSIFIED.
  [
    "SUCCESS_WITHOUT_RECEIPT: callback says paid but carries no receipt",
    "UNCLASSIFIED",
    "SUCCESS_WITHOUT_RECEIPT: callback says paid but carries no receipt",
  ],
  [null, null, null],
];

const insert = (i: number, reason: string | null) =>
  `INSERT INTO "PaymentAttempt" ("id", "shopDomain", "orderGid", "amountKes", "environment", "status", "callbackTokenHash", "reviewReason", "updatedAt")
   VALUES ('m${i}', 'mig.myshopify.com', 'gid://shopify/Order/${i}', 100, 'sandbox', '${reason ? "NEEDS_REVIEW" : "SUCCEEDED"}', 'h${i}', ${
     reason === null ? "NULL" : `'${reason.replace(/'/g, "''")}'`
   }, CURRENT_TIMESTAMP)`;

const open = () => openMigrationDb("m");

const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of closers) await c();
});

describe('migration review_codes: reviewReason "CODE: text" -> reviewCode + reviewDetail', () => {
  it("splits every pre-migration row's reason into the enum code and the detail", async () => {
    expect(mine).toBeGreaterThan(0);
    const db = await open();
    closers.push(db.close);
    for (const name of names.slice(0, mine)) await db.run(sqlOf(name));
    for (const [i, [reason]] of REASONS.entries()) await db.run(insert(i, reason));
    for (const name of names.slice(mine)) await db.run(sqlOf(name));

    const prisma = createPrismaClient(db.url);
    closers.unshift(() => prisma.$disconnect());
    const rows = await prisma.paymentAttempt.findMany({
      orderBy: { id: "asc" },
      select: { id: true, reviewCode: true, reviewDetail: true },
    });
    expect(rows.map((r) => [r.reviewCode, r.reviewDetail])).toEqual(REASONS.map(([, code, detail]) => [code, detail]));
    // The typed column answers typed queries (an enum on PostgreSQL, text on SQLite).
    expect(await prisma.paymentAttempt.count({ where: { reviewCode: "AMOUNT_SHORT" } })).toBe(1);
  });
});
