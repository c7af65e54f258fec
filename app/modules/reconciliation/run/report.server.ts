import { Readable } from "node:stream";
import Papa from "papaparse";
import type { PrismaClient, ReconciliationItem, ReconciliationRun } from "@prisma/client";
import { eatWallClock } from "../../../lib/eat";
import { formatEat, formatKes } from "../../payments/dashboard/format";
import { KIND_INFO, MISMATCH_KINDS, type ItemAction, type MismatchKind } from "./kinds";
import type { RunSummary } from "./run.server";

// What the report page, the CSV download and the mail show of a run. Views hold display strings only.

export interface RunView {
  id: string;
  window: string;
  /** The window's first EAT day, YYYY-MM-DD (file names). */
  day: string;
  windowFromIso: string;
  windowToIso: string;
  trigger: string;
  status: string;
  finishedAt: string;
  runs: number;
  itemCount: number;
  needsPerson: number;
  error: string | null;
  coverage: string;
  statementMatched: number;
  counts: { kind: MismatchKind; label: string; count: number }[];
}

export interface ItemView {
  id: string;
  kind: MismatchKind;
  label: string;
  severity: string;
  key: string;
  receipt: string | null;
  order: string | null;
  orderGid: string | null;
  amount: string;
  other: string;
  occurredAt: string;
  detail: string;
  resolve: string;
  action: ItemAction;
  /** Where the action is taken (a page of the app), when one exists. */
  actionUrl: string | null;
  actionLabel: string | null;
  handled: { note: string; actor: string; at: string } | null;
}

const ACTION_LABELS: Record<ItemAction, string | null> = {
  APPLY_TO_ORDER: "Apply to order",
  REFUND: "Refund",
  OPEN_PAYMENT: "Open payment",
  OPEN_REFUND: "Open refund",
  INVESTIGATE: null,
};

export function windowLabel(from: Date, to: Date): string {
  const last = new Date(to.getTime() - 1);
  const day = (d: Date) => formatEat(d).split(",")[0];
  const whole = (d: Date) => formatEat(d).endsWith("00:00");
  if (whole(from) && whole(to)) return day(from) === day(last) ? day(from) : `${day(from)} – ${day(last)}`;
  return `${formatEat(from)} – ${formatEat(to)}`;
}

function summaryOf(run: ReconciliationRun): RunSummary | null {
  try {
    return run.summary ? (JSON.parse(run.summary) as RunSummary) : null;
  } catch {
    return null;
  }
}

export function runView(run: ReconciliationRun): RunView {
  const s = summaryOf(run);
  return {
    id: run.id,
    window: windowLabel(run.windowFrom, run.windowTo),
    day: eatWallClock(run.windowFrom).toISOString().slice(0, 10),
    windowFromIso: run.windowFrom.toISOString(),
    windowToIso: run.windowTo.toISOString(),
    trigger: run.trigger === "SCHEDULED" ? "Daily" : "On demand",
    status: run.status,
    finishedAt: formatEat(run.finishedAt),
    runs: run.runs,
    itemCount: run.itemCount,
    needsPerson: run.needsPerson,
    error: run.error,
    coverage: !s
      ? ""
      : s.coverage.from && s.coverage.to
        ? `Statement compared for ${formatEat(new Date(s.coverage.from))} – ${formatEat(new Date(s.coverage.to))} (${s.statementMatched} receipts matched)`
        : "No imported statement covers this window: Safaricom's record was not compared.",
    statementMatched: s?.statementMatched ?? 0,
    counts: MISMATCH_KINDS.map((k) => ({ kind: k, label: KIND_INFO[k].label, count: s?.counts[k] ?? 0 })),
  };
}

export function actionUrl(item: Pick<ReconciliationItem, "action" | "attemptId" | "paymentId" | "refundId">) {
  switch (item.action as ItemAction) {
    case "APPLY_TO_ORDER":
      return item.paymentId ? `/app/payments/unmatched?payment=${encodeURIComponent(item.paymentId)}` : null;
    case "REFUND":
    case "OPEN_PAYMENT":
      return item.attemptId
        ? `/app/payments/${encodeURIComponent(item.attemptId)}`
        : item.paymentId
          ? "/app/payments/unmatched"
          : null;
    case "OPEN_REFUND":
      return null; // resolved below from the refund's payment
    default:
      return null;
  }
}

export async function listRuns(db: PrismaClient, shop: string, take = 20): Promise<RunView[]> {
  const runs = await db.reconciliationRun.findMany({
    where: { shopDomain: shop },
    orderBy: [{ windowTo: "desc" }, { windowFrom: "desc" }],
    take,
  });
  return runs.map(runView);
}

export async function getRun(db: PrismaClient, shop: string, runId: string) {
  return db.reconciliationRun.findFirst({ where: { id: runId, shopDomain: shop } });
}

/** A run's items with their "handled" marks, and the link of each action. */
export async function runItems(db: PrismaClient, shop: string, runId: string): Promise<ItemView[]> {
  const items = await db.reconciliationItem.findMany({ where: { runId, shopDomain: shop } });
  const rank = new Map(MISMATCH_KINDS.map((k, i) => [k as string, i]));
  items.sort((a, b) => rank.get(a.kind)! - rank.get(b.kind)! || (a.key < b.key ? -1 : 1));
  const handled = new Map(
    (
      await db.reconciliationHandled.findMany({
        where: { shopDomain: shop, itemKey: { in: items.map((i) => i.key) } },
      })
    ).map((h) => [h.itemKey, h]),
  );
  // A refund's page is its payment's: the attempt whose receipt it pays back.
  const refundReceipts = items.filter((i) => i.action === "OPEN_REFUND" && i.receipt).map((i) => i.receipt!);
  const attemptOf = new Map(
    (
      await db.paymentAttempt.findMany({
        where: { shopDomain: shop, mpesaReceipt: { in: refundReceipts } },
        select: { id: true, mpesaReceipt: true },
      })
    ).map((a) => [a.mpesaReceipt!, a.id]),
  );
  return items.map((i) => {
    const kind = i.kind as MismatchKind;
    const h = handled.get(i.key);
    const url =
      i.action === "OPEN_REFUND"
        ? i.receipt && attemptOf.has(i.receipt)
          ? `/app/payments/${encodeURIComponent(attemptOf.get(i.receipt)!)}`
          : null
        : actionUrl(i);
    return {
      id: i.id,
      kind,
      label: KIND_INFO[kind]?.label ?? i.kind,
      severity: i.severity,
      key: i.key,
      receipt: i.receipt,
      order: i.orderName ?? i.orderGid,
      orderGid: i.orderGid,
      amount: formatKes(i.amountKes),
      other: formatKes(i.otherKes),
      occurredAt: formatEat(i.occurredAt),
      detail: i.detail,
      resolve: KIND_INFO[kind]?.resolve ?? "",
      action: i.action as ItemAction,
      actionUrl: url,
      actionLabel: url ? ACTION_LABELS[i.action as ItemAction] : null,
      handled: h ? { note: h.note, actor: h.actor, at: formatEat(h.createdAt) } : null,
    };
  });
}

export type HandledResult = { ok: true; message: string } | { ok: false; message: string };

/** "Mark handled": who, when and the note, kept per item key (it follows the mismatch to later runs). */
export async function markHandled(
  db: PrismaClient,
  shop: string,
  input: { itemId: string; note: string },
  actor: string,
): Promise<HandledResult> {
  const note = input.note.trim();
  if (!note) return { ok: false, message: "Say how it was handled (a note is required)." };
  const item = await db.reconciliationItem.findFirst({ where: { id: input.itemId, shopDomain: shop } });
  if (!item) return { ok: false, message: "That mismatch is not in any report of this shop." };
  try {
    await db.reconciliationHandled.create({
      data: { shopDomain: shop, itemKey: item.key, note: note.slice(0, 1000), actor: actor.slice(0, 300) },
    });
  } catch (error) {
    if ((error as { code?: string }).code === "P2002")
      return { ok: false, message: "That mismatch was already marked handled." };
    throw error;
  }
  await db.reconciliationRun.updateMany({
    where: { id: item.runId, needsPerson: { gt: 0 } },
    data: { needsPerson: { decrement: 1 } },
  });
  return { ok: true, message: `Marked handled: ${KIND_INFO[item.kind as MismatchKind]?.label ?? item.kind}.` };
}

export const CSV_COLUMNS = [
  "kind",
  "severity",
  "receipt",
  "order",
  "order_gid",
  "amount_kes",
  "other_kes",
  "occurred_at_eat",
  "detail",
  "resolve",
  "handled_at_eat",
  "handled_by",
  "handled_note",
] as const;

/** Spreadsheets run cells starting with = + - @ (and tab/CR) as formulas: prefix them with ' (OWASP). */
export function neutraliseCell(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

function csvRow(cells: (string | number | null)[]): string {
  return (
    Papa.unparse([cells.map((c) => (c === null ? "" : typeof c === "number" ? String(c) : neutraliseCell(c)))], {
      newline: "\r\n",
    }) + "\r\n"
  );
}

/** The run's report as CSV, streamed a page of items at a time (never the whole report in memory). */
export function reportCsv(db: PrismaClient, shop: string, runId: string, pageSize = 500): Readable {
  async function* lines() {
    yield "\uFEFF" + csvRow([...CSV_COLUMNS]);
    let cursor: string | undefined;
    for (;;) {
      const page = await db.reconciliationItem.findMany({
        where: { runId, shopDomain: shop },
        orderBy: { id: "asc" },
        take: pageSize,
        ...(cursor ? { skip: 1, cursor: { id: cursor } } : {}),
      });
      if (!page.length) return;
      const handled = new Map(
        (
          await db.reconciliationHandled.findMany({
            where: { shopDomain: shop, itemKey: { in: page.map((i) => i.key) } },
          })
        ).map((h) => [h.itemKey, h]),
      );
      for (const i of page) {
        const h = handled.get(i.key);
        yield csvRow([
          i.kind,
          i.severity,
          i.receipt,
          i.orderName,
          i.orderGid,
          i.amountKes,
          i.otherKes,
          i.occurredAt ? formatEat(i.occurredAt, { seconds: true }) : null,
          i.detail,
          KIND_INFO[i.kind as MismatchKind]?.resolve ?? "",
          h ? formatEat(h.createdAt, { seconds: true }) : null,
          h?.actor ?? null,
          h?.note ?? null,
        ]);
      }
      cursor = page[page.length - 1].id;
    }
  }
  return Readable.from(lines());
}

/** The latest run of the shop, for the home page banner. */
export async function latestRunAttention(db: PrismaClient, shop: string) {
  const run = await db.reconciliationRun.findFirst({
    where: { shopDomain: shop, status: "DONE" },
    orderBy: [{ windowTo: "desc" }, { finishedAt: "desc" }],
  });
  return run ? { window: windowLabel(run.windowFrom, run.windowTo), needsPerson: run.needsPerson } : null;
}
