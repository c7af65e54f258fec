import crypto from "node:crypto";
import type { PrismaClient, ReconciliationRun } from "@prisma/client";
import { isUniqueViolation } from "../../../lib/db-errors";
import { logger } from "../../../lib/logger.server";
import { enqueueJob } from "../../jobs/queue.server";
import { collectMismatches, type Coverage, type Window } from "./collect.server";
import { KIND_INFO, countByKind, fingerprint, type ReportItem } from "./kinds";
import { SEND_RECONCILIATION_EMAIL } from "./job-types";
import { getReconcileSettings } from "./settings.server";

// One reconciliation run: claim the shop's window (one ReconciliationRun row per shop and window, unique;
// a conditional update takes it over only when no live claim holds it), collect the mismatches, replace
// the window's items and, in the same transaction, enqueue the mail when the report holds something for a
// person (or the daily summary is wanted). The mail is its own job: SMTP being down never holds the run.

export interface RunDeps {
  db: PrismaClient;
  now: () => Date;
  claimMs: number;
}

export interface RunInput {
  shop: string;
  window: Window;
  trigger: "SCHEDULED" | "ON_DEMAND";
}

export type RunOutcome =
  | { status: "done"; runId: string; itemCount: number; needsPerson: number; fingerprint: string; mail: string | null }
  | { status: "busy"; runId: string };

export interface RunSummary {
  counts: Record<string, number>;
  coverage: { from: string | null; to: string | null; imports: number };
  statementMatched: number;
}

const ITEM_BATCH = 500;

async function claim(deps: RunDeps, input: RunInput, token: string): Promise<ReconciliationRun | { busy: string }> {
  const now = deps.now();
  const claimUntil = new Date(now.getTime() + deps.claimMs);
  const claimed = { status: "RUNNING", claimToken: token, claimUntil, startedAt: now };
  try {
    return await deps.db.reconciliationRun.create({
      data: {
        shopDomain: input.shop,
        windowFrom: input.window.from,
        windowTo: input.window.to,
        trigger: input.trigger,
        runs: 1,
        ...claimed,
      },
    });
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
  }
  const where = {
    shopDomain_windowFrom_windowTo: {
      shopDomain: input.shop,
      windowFrom: input.window.from,
      windowTo: input.window.to,
    },
  };
  const existing = await deps.db.reconciliationRun.findUnique({ where });
  if (!existing) throw new Error("reconciliation run vanished while being claimed");
  const { count } = await deps.db.reconciliationRun.updateMany({
    where: { id: existing.id, OR: [{ status: { not: "RUNNING" } }, { claimUntil: { lt: now } }] },
    data: { ...claimed, runs: { increment: 1 } },
  });
  if (count === 0) return { busy: existing.id };
  return (await deps.db.reconciliationRun.findUnique({ where }))!;
}

export async function runReconciliation(deps: RunDeps, input: RunInput): Promise<RunOutcome> {
  if (!(input.window.from < input.window.to)) throw new Error("a reconciliation window must end after it starts");
  const token = crypto.randomUUID();
  const run = await claim(deps, input, token);
  if ("busy" in run) return { status: "busy", runId: run.busy };
  const log = logger.child({ shop: input.shop, runId: run.id, from: input.window.from, to: input.window.to });
  try {
    const settings = await getReconcileSettings(deps.db, input.shop);
    const collected = await collectMismatches(deps.db, input.shop, input.window, settings);
    const handled = await handledKeys(deps.db, input.shop, collected.items);
    const needsPerson = collected.items.filter((i) => !handled.has(i.key)).length;
    const fp = fingerprint(collected.items);
    const summary: RunSummary = {
      counts: countByKind(collected.items),
      coverage: coverageJson(collected.coverage),
      statementMatched: collected.statementMatched,
    };
    const mail = !settings.operationsEmail
      ? null
      : needsPerson > 0
        ? ("alert" as const)
        : input.trigger === "SCHEDULED" && settings.dailySummaryEmail
          ? ("summary" as const)
          : null;
    const finishedAt = deps.now();
    const stored = await deps.db.$transaction(
      async (tx) => {
        const current = await tx.reconciliationRun.findUnique({ where: { id: run.id } });
        const mailNew =
          mail === "alert"
            ? current?.alertFingerprint !== fp
            : mail === "summary"
              ? current?.summaryFingerprint !== fp
              : false;
        const { count } = await tx.reconciliationRun.updateMany({
          where: { id: run.id, claimToken: token },
          data: {
            status: "DONE",
            claimToken: null,
            claimUntil: null,
            fingerprint: fp,
            summary: JSON.stringify(summary),
            itemCount: collected.items.length,
            needsPerson,
            error: null,
            finishedAt,
            trigger: input.trigger === "SCHEDULED" ? "SCHEDULED" : current?.trigger,
            ...(mailNew && mail === "alert" ? { alertFingerprint: fp } : {}),
            ...(mailNew && mail === "summary" ? { summaryFingerprint: fp } : {}),
          },
        });
        if (count === 0) return false; // our claim lapsed and another run took the window over: its report stands
        await tx.reconciliationItem.deleteMany({ where: { runId: run.id } });
        for (let i = 0; i < collected.items.length; i += ITEM_BATCH)
          await tx.reconciliationItem.createMany({
            data: collected.items.slice(i, i + ITEM_BATCH).map((item) => itemRow(run.id, input.shop, item)),
          });
        if (mailNew && mail)
          await enqueueJob(tx, {
            type: SEND_RECONCILIATION_EMAIL,
            payload: { runId: run.id, mail, fingerprint: fp },
            dedupeKey: `${SEND_RECONCILIATION_EMAIL.name}:${run.id}:${mail}:${fp}`,
            shopDomain: input.shop,
            maxAttempts: 12,
          });
        return true;
      },
      { timeout: 60_000 },
    );
    if (!stored) return { status: "busy", runId: run.id };
    const critical = collected.items.filter((i) => i.kind === "PAID_WITHOUT_MONEY");
    if (critical.length)
      log.error(
        { alert: "paid_without_money", receipts: critical.map((i) => i.receipt ?? i.attemptId) },
        "reconciliation: orders marked paid with no matching money",
      );
    log.info({ items: collected.items.length, needsPerson, fingerprint: fp, mail }, "reconciliation run done");
    return { status: "done", runId: run.id, itemCount: collected.items.length, needsPerson, fingerprint: fp, mail };
  } catch (error) {
    await deps.db.reconciliationRun
      .updateMany({
        where: { id: run.id, claimToken: token },
        data: { status: "FAILED", claimToken: null, claimUntil: null, error: String(error).slice(0, 1000) },
      })
      .catch(() => {});
    throw error;
  }
}

function coverageJson(c: Coverage): RunSummary["coverage"] {
  return { from: c.from?.toISOString() ?? null, to: c.to?.toISOString() ?? null, imports: c.imports };
}

function itemRow(runId: string, shop: string, i: ReportItem) {
  return {
    runId,
    shopDomain: shop,
    kind: i.kind,
    key: i.key,
    severity: KIND_INFO[i.kind].severity,
    receipt: i.receipt ?? null,
    orderGid: i.orderGid ?? null,
    orderName: i.orderName ?? null,
    attemptId: i.attemptId ?? null,
    paymentId: i.paymentId ?? null,
    refundId: i.refundId ?? null,
    amountKes: i.amountKes ?? null,
    otherKes: i.otherKes ?? null,
    occurredAt: i.occurredAt ?? null,
    detail: i.detail.slice(0, 2000),
    action: i.action,
  };
}

async function handledKeys(db: PrismaClient, shop: string, items: { key: string }[]): Promise<Set<string>> {
  const keys = new Set<string>();
  for (let i = 0; i < items.length; i += ITEM_BATCH) {
    const rows = await db.reconciliationHandled.findMany({
      where: { shopDomain: shop, itemKey: { in: items.slice(i, i + ITEM_BATCH).map((x) => x.key) } },
      select: { itemKey: true },
    });
    for (const r of rows) keys.add(r.itemKey);
  }
  return keys;
}
