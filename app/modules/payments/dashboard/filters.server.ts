import { Prisma } from "@prisma/client";
import { eatRange, searchTerms, type PaymentFilters, type StatusFilter } from "./filters";

// The list's filters as SQL conditions on the two tables payments live in: PaymentAttempt (M-PESA
// prompts, STK) and C2bPayment (paybill/till payments the customer started). One condition per table,
// shared by the page, its totals and the CSV export, so all three always count the same rows.
// Written for both SQLite and PostgreSQL: LOWER(..) LIKE .. ESCAPE, no ILIKE, no dialect functions.

export const ATTEMPT_STATUSES: Record<StatusFilter, string[]> = {
  paid: ["SUCCEEDED"],
  needs_review: ["NEEDS_REVIEW"],
  pending: ["PENDING"],
  unsuccessful: ["CANCELLED", "TIMED_OUT", "FAILED"],
};

// A dismissed paybill payment (not for an order) and the C2B twin of a prompt's receipt are in no
// status group: they show under "all statuses" only.
export const C2B_STATUSES: Record<StatusFilter, string[]> = {
  paid: ["APPLIED"],
  needs_review: ["UNMATCHED"],
  pending: ["MATCHED"],
  unsuccessful: [],
};

/** TransactionType values of a till (Buy Goods) payment; everything else arrived on a paybill. */
export const TILL_TYPES = ["Buy Goods", "CustomerBuyGoodsOnline"];

const like = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
const none = Prisma.sql`1 = 0`;

/** The WHERE condition for the shop's PaymentAttempt rows the filters select, or null: none can match. */
export function attemptCondition(shop: string, f: PaymentFilters): Prisma.Sql | null {
  if (f.channels.length && !f.channels.includes("stk")) return null;
  const parts: Prisma.Sql[] = [Prisma.sql`"shopDomain" = ${shop}`];
  if (f.statuses.length) {
    const statuses = f.statuses.flatMap((s) => ATTEMPT_STATUSES[s]);
    parts.push(Prisma.sql`"status" IN (${Prisma.join(statuses)})`);
  }
  const { start, end } = eatRange(f);
  if (start) parts.push(Prisma.sql`"createdAt" >= ${start}`);
  if (end) parts.push(Prisma.sql`"createdAt" < ${end}`);
  const s = searchTerms(f.q);
  if (s) {
    const any: Prisma.Sql[] = [
      Prisma.sql`"mpesaReceipt" = ${s.receipt}`,
      Prisma.sql`LOWER("orderName") LIKE ${like(s.text)} ESCAPE '\\'`,
    ];
    if (s.phoneTail) any.push(Prisma.sql`"msisdn" LIKE ${like(s.phoneTail)} ESCAPE '\\'`);
    if (s.amountKes !== null) any.push(Prisma.sql`"amountKes" = ${s.amountKes}`);
    parts.push(Prisma.sql`(${Prisma.join(any, " OR ")})`);
  }
  return Prisma.join(parts, " AND ");
}

/** The WHERE condition for the shop's C2bPayment rows the filters select, or null: none can match. */
export function c2bCondition(shop: string, f: PaymentFilters): Prisma.Sql | null {
  const paybill = !f.channels.length || f.channels.includes("paybill");
  const till = !f.channels.length || f.channels.includes("till");
  if (!paybill && !till) return null;
  const parts: Prisma.Sql[] = [Prisma.sql`"shopDomain" = ${shop}`];
  if (!paybill) parts.push(Prisma.sql`"transactionType" IN (${Prisma.join(TILL_TYPES)})`);
  if (!till) parts.push(Prisma.sql`"transactionType" NOT IN (${Prisma.join(TILL_TYPES)})`);
  if (f.statuses.length) {
    const statuses = f.statuses.flatMap((st) => C2B_STATUSES[st]);
    parts.push(statuses.length ? Prisma.sql`"status" IN (${Prisma.join(statuses)})` : none);
  }
  const { start, end } = eatRange(f);
  if (start) parts.push(Prisma.sql`"transTime" >= ${start}`);
  if (end) parts.push(Prisma.sql`"transTime" < ${end}`);
  const s = searchTerms(f.q);
  if (s) {
    // The payer is hashed (C2B v1) or masked (v2) by Safaricom: a paybill payment is not found by phone.
    const any: Prisma.Sql[] = [
      Prisma.sql`"receipt" = ${s.receipt}`,
      Prisma.sql`LOWER("orderName") LIKE ${like(s.text)} ESCAPE '\\'`,
      Prisma.sql`LOWER("billRefRaw") LIKE ${like(s.text)} ESCAPE '\\'`,
    ];
    if (s.amountKes !== null) any.push(Prisma.sql`"amountKes" = ${s.amountKes}`);
    parts.push(Prisma.sql`(${Prisma.join(any, " OR ")})`);
  }
  return Prisma.join(parts, " AND ");
}

/**
 * One row per selected payment: src ('STK' | 'C2B'), id, the order it belongs to (k: the order's GID, or
 * the payment itself for a paybill payment matched to no order), its time t and the shillings received.
 */
export function selectedPayments(shop: string, f: PaymentFilters): Prisma.Sql {
  const a = attemptCondition(shop, f);
  const c = c2bCondition(shop, f);
  const attempts = Prisma.sql`SELECT 'STK' AS src, "id", "orderGid" AS k, "createdAt" AS t,
      CASE WHEN "mpesaReceipt" IS NOT NULL THEN COALESCE("paidAmountKes", "amountKes") ELSE 0 END AS received
    FROM "PaymentAttempt" WHERE ${a ?? none}`;
  const c2b = Prisma.sql`SELECT 'C2B' AS src, "id", COALESCE("orderGid", 'c2b:' || "id") AS k, "transTime" AS t,
      CASE WHEN "status" <> 'STK_DUPLICATE' THEN COALESCE("amountKes", 0) ELSE 0 END AS received
    FROM "C2bPayment" WHERE ${c ?? none}`;
  return Prisma.sql`${attempts} UNION ALL ${c2b}`;
}
