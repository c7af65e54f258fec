import { Prisma, type PrismaClient } from "@prisma/client";
import { eatWallClock, instantFromEat } from "../../../lib/eat";
import { resultCodeWords } from "./words.server";

// The Payments page's charts, aggregated in the database by EAT calendar day (Kenya is UTC+3 all
// year): money received and payments per day over the chosen period, and how the period's M-PESA
// prompts ended, by Daraja result code, with the success rate. Day buckets are a CASE over the
// period's day boundaries (bound instants), so the one query runs alike on SQLite and PostgreSQL.

export const CHART_PERIODS = [7, 30, 90] as const;
export type ChartPeriod = (typeof CHART_PERIODS)[number];

export function readChartPeriod(value: string | null): ChartPeriod {
  const n = Number(value);
  return (CHART_PERIODS as readonly number[]).includes(n) ? (n as ChartPeriod) : 30;
}

export interface PaymentChartsView {
  days: ChartPeriod;
  /** "2026-12-01" … today (EAT), oldest first. */
  daily: { day: string; receivedKes: number; payments: number; stkKes: number; c2bKes: number }[];
  outcomes: { label: string; count: number }[];
  prompts: number;
  paidPrompts: number;
  /** Whole per cent of the period's finished prompts that were paid; null without any. */
  successRate: number | null;
}

const num = (v: unknown) => (typeof v === "bigint" ? Number(v) : Number(v ?? 0));

export async function paymentCharts(
  db: PrismaClient,
  shop: string,
  days: ChartPeriod,
  now: Date = new Date(),
): Promise<PaymentChartsView> {
  const today = eatWallClock(now);
  const [y, m, d] = [today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate()];
  // days + 1 boundaries: the start of each EAT day of the period and the end of today.
  const bounds = Array.from({ length: days + 1 }, (_, i) => instantFromEat(y, m, d - days + 1 + i, 0, 0, 0));
  const labels = bounds.slice(0, days).map((b) => eatWallClock(b).toISOString().slice(0, 10));
  const bucket = (col: string) =>
    Prisma.sql`CASE ${Prisma.join(
      bounds.slice(1).map((b, i) => Prisma.sql`WHEN ${Prisma.raw(`"${col}"`)} < ${b} THEN ${Prisma.raw(String(i))}`),
      " ",
    )} END`;
  const [start, end] = [bounds[0], bounds[days]];
  const rows = await db.$queryRaw<{ day: unknown; src: string; kes: unknown; n: unknown }[]>`
    SELECT day, src, SUM(kes) AS kes, COUNT(*) AS n FROM (
      SELECT ${bucket("createdAt")} AS day, 'STK' AS src, COALESCE("paidAmountKes", "amountKes") AS kes
        FROM "PaymentAttempt"
        WHERE "shopDomain" = ${shop} AND "mpesaReceipt" IS NOT NULL AND "createdAt" >= ${start} AND "createdAt" < ${end}
      UNION ALL
      SELECT ${bucket("transTime")} AS day, 'C2B' AS src, COALESCE("amountKes", 0) AS kes
        FROM "C2bPayment"
        WHERE "shopDomain" = ${shop} AND "status" <> 'STK_DUPLICATE' AND "transTime" >= ${start} AND "transTime" < ${end}
    ) x GROUP BY day, src`;
  const daily = labels.map((day) => ({ day, receivedKes: 0, payments: 0, stkKes: 0, c2bKes: 0 }));
  for (const r of rows) {
    const slot = daily[num(r.day)];
    if (!slot) continue;
    const kes = num(r.kes);
    slot.receivedKes += kes;
    slot.payments += num(r.n);
    if (r.src === "STK") slot.stkKes += kes;
    else slot.c2bKes += kes;
  }

  const groups = await db.paymentAttempt.groupBy({
    by: ["status", "resultCode"],
    where: { shopDomain: shop, createdAt: { gte: start, lt: end }, status: { not: "PENDING" } },
    _count: { _all: true },
  });
  const byLabel = new Map<string, number>();
  for (const g of groups) {
    const label = outcomeLabel(g.status, g.resultCode);
    byLabel.set(label, (byLabel.get(label) ?? 0) + g._count._all);
  }
  const outcomes = [...byLabel.entries()]
    .map(([label, count]) => ({ label, count }))
    .sort((a, b) => b.count - a.count || a.label.localeCompare(b.label));
  const prompts = outcomes.reduce((n, o) => n + o.count, 0);
  const paidPrompts = groups.filter((g) => g.status === "SUCCEEDED").reduce((n, g) => n + g._count._all, 0);
  return {
    days,
    daily,
    outcomes,
    prompts,
    paidPrompts,
    successRate: prompts ? Math.round((paidPrompts / prompts) * 100) : null,
  };
}

/** A finished prompt's outcome in words, for the chart (by result code; a review is its own bar). */
function outcomeLabel(status: string, resultCode: string | null): string {
  if (status === "SUCCEEDED") return "Paid";
  if (status === "NEEDS_REVIEW") return "Needs review";
  if (resultCode) return resultCodeWords(resultCode);
  if (status === "CANCELLED") return resultCodeWords("1032");
  if (status === "TIMED_OUT") return resultCodeWords("1037");
  return "Request refused before reaching the phone";
}
