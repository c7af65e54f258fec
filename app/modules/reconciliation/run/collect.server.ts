import type { PrismaClient } from "@prisma/client";
import { formatEat, formatKes } from "../../payments/dashboard/format";
import { asDate, statementLedgerDiff } from "../ledger-diff.server";
import { dedupeItems, itemKey, sortItems, type ReportItem } from "./kinds";
import { receiptsPendingSince } from "./pending-receipts.server";

// The three records of a window, compared (docs/RECONCILIATION.md, "The run"):
// - the app's ledger: PaymentAttempt, MpesaReceipt, C2bPayment, MpesaRefund;
// - Shopify's orders, as the app last read them: the record jobs read every order fresh before writing
//   (an order found paid by something else, cancelled or gone sends the payment back with the reason),
//   MpesaOrder keeps the outstanding balance they saw, MpesaRefund the refunds Shopify announced. The run
//   itself makes no Admin call, so a daily run of many shops costs Shopify nothing;
// - Safaricom's record: the imported statement rows (StatementRow), where a statement covers the window.
// Open matters (unmatched money, unrefunded surplus, unresolved attempts) are reported while open, in every
// window that ends after the money arrived; comparisons of money (statement against ledger, amounts) are
// of the window's own rows. Every text is a function of the rows alone (no "n hours ago"): the same
// window over the same data gives the same items.

export type CollectDb = Pick<
  PrismaClient,
  | "statementRow"
  | "statementImport"
  | "mpesaReceipt"
  | "paymentAttempt"
  | "c2bPayment"
  | "mpesaRefund"
  | "mpesaOrder"
  | "$queryRaw"
>;

export interface Window {
  from: Date;
  to: Date;
}

export interface Coverage {
  /** The part of the window imported statements speak for (null: none does; the statement is not compared). */
  from: Date | null;
  to: Date | null;
  imports: number;
}

export interface Collected {
  items: ReportItem[];
  coverage: Coverage;
  statementMatched: number;
}

const BATCH = 500;
const UNRESOLVED_PENDING_MS = 60 * 60 * 1000; // a prompt still PENDING an hour on has lost its recovery

const at = (d: Date | null | undefined) => (d ? formatEat(d, { seconds: true }) : "unknown time");

/** The span of the window that IMPORTED statements cover (the union of their periods, taken as contiguous). */
export async function statementCoverage(db: CollectDb, shop: string, w: Window): Promise<Coverage> {
  const imports = await db.statementImport.findMany({
    where: {
      shopDomain: shop,
      status: "IMPORTED",
      periodFrom: { lt: w.to },
      periodTo: { gte: w.from },
    },
    select: { periodFrom: true, periodTo: true, createdAt: true },
  });
  if (!imports.length) return { from: null, to: null, imports: 0 };
  const from = new Date(Math.max(w.from.getTime(), Math.min(...imports.map((i) => i.periodFrom!.getTime()))));
  // periodTo is the statement's last second: everything up to the end of that second is in it — but
  // nothing after the file reached the app (a payment in the export's last second came later).
  const end = (i: (typeof imports)[number]) => Math.min(i.periodTo!.getTime() + 1000, i.createdAt.getTime());
  const to = new Date(Math.min(w.to.getTime(), Math.max(...imports.map(end))));
  return from < to ? { from, to, imports: imports.length } : { from: null, to: null, imports: 0 };
}

export async function collectMismatches(
  db: CollectDb,
  shop: string,
  w: Window,
  opts: { receiptPendingHours: number },
): Promise<Collected> {
  const items: ReportItem[] = [];
  const push = (i: ReportItem) => items.push(i);

  // 1. Safaricom's record against the receipt ledger, over the covered part of the window.
  const coverage = await statementCoverage(db, shop, w);
  let statementMatched = 0;
  if (coverage.from && coverage.to) {
    const diff = await statementLedgerDiff(db, shop, { from: coverage.from, to: coverage.to });
    statementMatched = diff.matched;
    for (const c of diff.inStatementNotLedger) {
      const account = c.accountNoRaw;
      push({
        kind: "UNMATCHED_CREDIT",
        key: itemKey("UNMATCHED_CREDIT", c.receipt),
        receipt: c.receipt,
        amountKes: c.amountKes,
        occurredAt: c.completedAt,
        detail: `The M-PESA statement shows ${formatKes(c.amountKes)} received at ${at(c.completedAt)}${account ? ` (account "${account}")` : ""}; the app has no record of this receipt (a missed callback or confirmation).`,
        action: "INVESTIGATE",
      });
    }
    for (const m of diff.amountMismatches)
      push({
        kind: "AMOUNT_DRIFT",
        key: itemKey("AMOUNT_DRIFT", m.receipt),
        receipt: m.receipt,
        amountKes: m.statementKes,
        otherKes: m.ledgerKes,
        detail: `Receipt ${m.receipt}: the statement shows ${formatKes(m.statementKes)}, the app recorded ${formatKes(m.ledgerKes)}.`,
        action: "INVESTIGATE",
      });
    for (const l of diff.inLedgerNotStatement)
      push({
        kind: "PAID_WITHOUT_MONEY",
        key: itemKey("PAID_WITHOUT_MONEY", l.receipt),
        receipt: l.receipt,
        orderGid: l.orderGid,
        amountKes: l.amountKes,
        detail: `The app accepted receipt ${l.receipt} (${formatKes(l.amountKes)}, ${l.channel}) but the M-PESA statement of this period does not show it.`,
        action: "INVESTIGATE",
      });
  }

  // 2. The app's own ledger: a success must have its receipt, and the receipt the amount paid. Joined in
  // the database; only the successes that break the rule come back.
  const suspect = await db.$queryRaw<RawSuspect[]>`
    SELECT a."id", a."orderGid", a."orderName", a."amountKes", a."paidAmountKes", a."mpesaReceipt", a."completedAt",
      r."amountKes" AS "ledgerKes"
    FROM "PaymentAttempt" a LEFT JOIN "MpesaReceipt" r ON r."receipt" = a."mpesaReceipt" AND r."shopDomain" = a."shopDomain"
    WHERE a."shopDomain" = ${shop} AND a."status" = 'SUCCEEDED' AND a."completedAt" >= ${w.from} AND a."completedAt" < ${w.to}
      -- Paid on STK Push Query's word, receipt still to come: confirmed money, reported as a pending
      -- receipt once it has waited longer than the shop's limit (pending-receipts.server.ts), not here.
      AND NOT (a."mpesaReceipt" IS NULL AND a."receiptPendingSince" IS NOT NULL)
      AND (
        a."mpesaReceipt" IS NULL
        OR r."receipt" IS NULL
        OR COALESCE(a."paidAmountKes", a."amountKes") <> r."amountKes"
        OR COALESCE(a."paidAmountKes", a."amountKes") <> a."amountKes"
      )
    ORDER BY a."completedAt", a."id"`;
  for (const raw of suspect) {
    const a = {
      ...raw,
      amountKes: Number(raw.amountKes),
      paidAmountKes: raw.paidAmountKes === null ? null : Number(raw.paidAmountKes),
      completedAt: raw.completedAt === null ? null : asDate(raw.completedAt),
    };
    const ledger = raw.ledgerKes === null ? undefined : { amountKes: Number(raw.ledgerKes) };
    const common = { orderGid: a.orderGid, orderName: a.orderName, attemptId: a.id, occurredAt: a.completedAt };
    if (!a.mpesaReceipt || !ledger) {
      push({
        ...common,
        kind: "PAID_WITHOUT_MONEY",
        key: itemKey("PAID_WITHOUT_MONEY", a.mpesaReceipt ?? `attempt:${a.id}`),
        receipt: a.mpesaReceipt,
        amountKes: a.paidAmountKes ?? a.amountKes,
        detail: a.mpesaReceipt
          ? `Payment ${a.id} succeeded with receipt ${a.mpesaReceipt}, which is missing from the receipt ledger.`
          : `Payment ${a.id} succeeded without an M-PESA receipt.`,
        action: "OPEN_PAYMENT",
      });
      continue;
    }
    const paid = a.paidAmountKes ?? a.amountKes;
    if (paid !== ledger.amountKes || paid !== a.amountKes)
      push({
        ...common,
        kind: "AMOUNT_DRIFT",
        key: itemKey("AMOUNT_DRIFT", a.mpesaReceipt),
        receipt: a.mpesaReceipt,
        amountKes: paid,
        otherKes: paid !== ledger.amountKes ? ledger.amountKes : a.amountKes,
        detail:
          paid !== ledger.amountKes
            ? `Receipt ${a.mpesaReceipt}: paid ${formatKes(paid)}, the receipt ledger says ${formatKes(ledger.amountKes)}.`
            : `Receipt ${a.mpesaReceipt}: paid ${formatKes(paid)} for a prompt of ${formatKes(a.amountKes)}.`,
        action: paid > a.amountKes ? "REFUND" : "OPEN_PAYMENT",
      });
  }

  // 3. Paybill/till money: waiting for its order, paid twice, partial, over-paid.
  const c2b = await db.c2bPayment.findMany({
    where: {
      shopDomain: shop,
      OR: [
        { status: "UNMATCHED", transTime: { lt: w.to } },
        { status: "APPLIED", surplusKes: { gt: 0 }, transTime: { lt: w.to } },
        { status: "APPLIED", transTime: { gte: w.from, lt: w.to } },
      ],
    },
    select: {
      id: true,
      receipt: true,
      status: true,
      reason: true,
      reasonDetail: true,
      amountKes: true,
      amountText: true,
      appliedKes: true,
      surplusKes: true,
      billRefRaw: true,
      orderGid: true,
      orderName: true,
      transTime: true,
    },
  });
  const c2bReceipts = new Map<string, number>();
  const surplusReceipts = c2b.filter((p) => p.surplusKes).map((p) => p.receipt);
  for (let i = 0; i < surplusReceipts.length; i += BATCH) {
    const rows = await db.mpesaReceipt.findMany({
      where: { shopDomain: shop, receipt: { in: surplusReceipts.slice(i, i + BATCH) } },
      select: { receipt: true, refundedKes: true },
    });
    for (const r of rows) c2bReceipts.set(r.receipt, r.refundedKes);
  }
  const partialOrders = new Set<string>();
  for (const p of c2b) {
    const common = {
      receipt: p.receipt,
      paymentId: p.id,
      orderGid: p.orderGid,
      orderName: p.orderName,
      amountKes: p.amountKes,
      occurredAt: p.transTime,
    };
    if (p.status === "UNMATCHED") {
      const paidElsewhere = p.reason === "ORDER_ALREADY_PAID";
      push({
        ...common,
        kind: paidElsewhere ? "DOUBLE_PAYMENT" : "UNMATCHED_CREDIT",
        key: itemKey(paidElsewhere ? "DOUBLE_PAYMENT" : "UNMATCHED_CREDIT", p.receipt),
        detail: paidElsewhere
          ? `Paybill payment ${p.receipt} (${formatKes(p.amountKes)}, account "${p.billRefRaw}") is for an order Shopify shows as already paid${p.reasonDetail ? `: ${p.reasonDetail}` : ""}.`
          : `Paybill payment ${p.receipt} (${p.amountKes === null ? `KES ${p.amountText}` : formatKes(p.amountKes)}, account "${p.billRefRaw}") at ${at(p.transTime)} waits for its order${p.reasonDetail ? `: ${p.reasonDetail}` : ""}.`,
        action: paidElsewhere ? "INVESTIGATE" : "APPLY_TO_ORDER",
      });
      continue;
    }
    if (p.surplusKes && p.surplusKes > 0) {
      const refunded = c2bReceipts.get(p.receipt) ?? 0;
      if (refunded < p.surplusKes)
        push({
          ...common,
          kind: "OVERPAID_UNREFUNDED",
          key: itemKey("OVERPAID_UNREFUNDED", p.receipt),
          otherKes: p.surplusKes - refunded,
          detail: `Paybill payment ${p.receipt} paid ${formatKes(p.amountKes)} for ${p.orderName ?? "its order"}, ${formatKes(p.surplusKes)} more than it needed; ${formatKes(p.surplusKes - refunded)} not refunded yet.`,
          action: "REFUND",
        });
    }
    if (p.amountKes !== null && p.appliedKes !== null && p.appliedKes + (p.surplusKes ?? 0) !== p.amountKes)
      push({
        ...common,
        kind: "AMOUNT_DRIFT",
        key: itemKey("AMOUNT_DRIFT", p.receipt),
        otherKes: p.appliedKes + (p.surplusKes ?? 0),
        detail: `Paybill payment ${p.receipt} of ${formatKes(p.amountKes)}: ${formatKes(p.appliedKes)} applied to the order and ${formatKes(p.surplusKes ?? 0)} flagged as surplus.`,
        action: "INVESTIGATE",
      });
    if (p.orderGid && p.surplusKes === null) partialOrders.add(p.orderGid);
  }
  const partialList = [...partialOrders];
  for (let i = 0; i < partialList.length; i += BATCH) {
    const orders = await db.mpesaOrder.findMany({
      where: {
        shopDomain: shop,
        orderGid: { in: partialList.slice(i, i + BATCH) },
        outstandingKes: { gt: 0 },
        paidAt: null,
        cancelledAt: null,
      },
      select: { orderGid: true, orderName: true, outstandingKes: true },
    });
    for (const o of orders) {
      const paid = c2b.filter((p) => p.orderGid === o.orderGid && p.status === "APPLIED");
      const paidKes = paid.reduce((s, p) => s + (p.appliedKes ?? 0), 0);
      push({
        kind: "PARTIAL_OPEN",
        key: itemKey("PARTIAL_OPEN", o.orderGid),
        orderGid: o.orderGid,
        orderName: o.orderName,
        receipt: paid.map((p) => p.receipt).sort()[0] ?? null,
        amountKes: paidKes,
        otherKes: o.outstandingKes,
        detail: `${o.orderName ?? o.orderGid}: ${formatKes(paidKes)} paid by paybill (${paid
          .map((p) => p.receipt)
          .sort()
          .join(", ")}), ${formatKes(o.outstandingKes)} still outstanding.`,
        action: "INVESTIGATE",
      });
    }
  }

  // 4. Attempts waiting for a person (and the isolated "receipt pending" query).
  const review = await db.paymentAttempt.findMany({
    where: {
      shopDomain: shop,
      createdAt: { lt: w.to },
      OR: [
        { status: "NEEDS_REVIEW", NOT: { reviewCode: "RECEIPT_UNKNOWN" } },
        { status: "NEEDS_REVIEW", reviewCode: null },
        { status: "PENDING", createdAt: { lt: new Date(w.to.getTime() - UNRESOLVED_PENDING_MS) } },
      ],
    },
    select: {
      id: true,
      status: true,
      orderGid: true,
      orderName: true,
      amountKes: true,
      paidAmountKes: true,
      mpesaReceipt: true,
      reviewCode: true,
      reviewDetail: true,
      createdAt: true,
    },
  });
  const secondReceipts = review.filter((a) => a.reviewCode === "SECOND_PAYMENT_REFUND" && a.mpesaReceipt);
  const refundedOf = new Map<string, number>();
  for (let i = 0; i < secondReceipts.length; i += BATCH) {
    const rows = await db.mpesaReceipt.findMany({
      where: { receipt: { in: secondReceipts.slice(i, i + BATCH).map((a) => a.mpesaReceipt!) } },
      select: { receipt: true, refundedKes: true },
    });
    for (const r of rows) refundedOf.set(r.receipt, r.refundedKes);
  }
  for (const a of review) {
    const common = {
      attemptId: a.id,
      orderGid: a.orderGid,
      orderName: a.orderName,
      receipt: a.mpesaReceipt,
      amountKes: a.paidAmountKes ?? a.amountKes,
      occurredAt: a.createdAt,
    };
    if (a.reviewCode === "SECOND_PAYMENT_REFUND") {
      const paid = a.paidAmountKes ?? a.amountKes;
      if (a.mpesaReceipt && (refundedOf.get(a.mpesaReceipt) ?? 0) >= paid) continue;
      push({
        ...common,
        kind: "DOUBLE_PAYMENT",
        key: itemKey("DOUBLE_PAYMENT", a.mpesaReceipt ?? `attempt:${a.id}`),
        detail: `${a.orderName ?? a.orderGid} was already paid when payment ${a.mpesaReceipt ?? a.id} (${formatKes(paid)}) arrived${a.reviewDetail ? `: ${a.reviewDetail}` : ""}.`,
        action: "REFUND",
      });
      continue;
    }
    push({
      ...common,
      kind: a.reviewCode === "AMOUNT_SHORT" ? "AMOUNT_DRIFT" : "ATTEMPT_UNRESOLVED",
      key: itemKey(a.reviewCode === "AMOUNT_SHORT" ? "AMOUNT_DRIFT" : "ATTEMPT_UNRESOLVED", `attempt:${a.id}`),
      detail:
        a.status === "PENDING"
          ? `Payment ${a.id} for ${a.orderName ?? a.orderGid} (${formatKes(a.amountKes)}), started ${at(a.createdAt)}, has no outcome yet.`
          : `Payment ${a.id} for ${a.orderName ?? a.orderGid} needs review (${a.reviewCode ?? "UNCLASSIFIED"})${a.reviewDetail ? `: ${a.reviewDetail}` : ""}.`,
      action: "OPEN_PAYMENT",
    });
  }
  const pendingCut = new Date(w.to.getTime() - opts.receiptPendingHours * 3600_000);
  for (const p of await receiptsPendingSince(db, shop, pendingCut))
    push({
      kind: "RECEIPT_PENDING",
      key: itemKey("RECEIPT_PENDING", `attempt:${p.attemptId}`),
      attemptId: p.attemptId,
      orderGid: p.orderGid,
      orderName: p.orderName,
      amountKes: p.amountKes,
      occurredAt: p.since,
      detail: `${formatKes(p.amountKes)} for ${p.orderName ?? p.orderGid} confirmed by STK Push Query at ${at(p.since)} (CheckoutRequestID ${p.checkoutRequestId ?? "unknown"}); the receipt is not known yet.`,
      action: "OPEN_PAYMENT",
    });

  // 5. Refunds: Shopify's against money out.
  const refunds = await db.mpesaRefund.findMany({
    where: {
      shopDomain: shop,
      createdAt: { lt: w.to },
      OR: [
        { initiatedBy: "WEBHOOK", state: { notIn: ["SUCCEEDED", "RECORDED_IN_SHOPIFY", "MANUAL"] } },
        { initiatedBy: "ADMIN_ACTION", state: "SUCCEEDED" },
      ],
    },
    select: {
      id: true,
      orderGid: true,
      receipt: true,
      amountKes: true,
      state: true,
      initiatedBy: true,
      resultDesc: true,
      mpesaTransactionId: true,
      createdAt: true,
      settledAt: true,
    },
  });
  for (const r of refunds) {
    const common = { refundId: r.id, orderGid: r.orderGid, receipt: r.receipt, amountKes: r.amountKes };
    if (r.initiatedBy === "WEBHOOK")
      push({
        ...common,
        kind: "SHOPIFY_REFUND_NO_MONEY",
        key: itemKey("SHOPIFY_REFUND_NO_MONEY", `refund:${r.id}`),
        occurredAt: r.createdAt,
        detail: `Shopify refunded ${formatKes(r.amountKes)} of receipt ${r.receipt} at ${at(r.createdAt)}; the M-PESA refund is ${r.state.toLowerCase().replace(/_/g, " ")}${r.resultDesc ? ` (${r.resultDesc})` : ""}.`,
        action: "OPEN_REFUND",
      });
    else
      push({
        ...common,
        kind: "MONEY_OUT_NO_SHOPIFY_REFUND",
        key: itemKey("MONEY_OUT_NO_SHOPIFY_REFUND", `refund:${r.id}`),
        occurredAt: r.settledAt,
        detail: `${formatKes(r.amountKes)} of receipt ${r.receipt} went back by M-PESA (${r.mpesaTransactionId ?? "no transaction id"}) at ${at(r.settledAt)}; the refund is not on the Shopify order yet.`,
        action: "OPEN_REFUND",
      });
  }
  if (coverage.from && coverage.to) {
    // Money out in the statement that no refund of the app accounts for (a B2C or reversal made elsewhere).
    const debits = await db.statementRow.findMany({
      where: { shopDomain: shop, kind: "debit", completedAt: { gte: coverage.from, lt: coverage.to } },
      // Not `details`: it names the other party (personal data customers/redact erases from the row).
      select: { receipt: true, amountKes: true, completedAt: true, reasonType: true, linkedTransactionId: true },
    });
    const known = new Set<string>();
    for (let i = 0; i < debits.length; i += BATCH) {
      const ids = debits.slice(i, i + BATCH).map((d) => d.receipt);
      const rows = await db.mpesaRefund.findMany({
        where: { shopDomain: shop, mpesaTransactionId: { in: ids } },
        select: { mpesaTransactionId: true },
      });
      for (const r of rows) known.add(r.mpesaTransactionId!);
    }
    for (const d of debits)
      if (!known.has(d.receipt))
        push({
          kind: "MONEY_OUT_NO_SHOPIFY_REFUND",
          key: itemKey("MONEY_OUT_NO_SHOPIFY_REFUND", d.receipt),
          receipt: d.linkedTransactionId ?? d.receipt,
          amountKes: d.amountKes,
          occurredAt: d.completedAt,
          detail: `The M-PESA statement shows ${formatKes(d.amountKes)} paid out at ${at(d.completedAt)} (${d.receipt}${d.reasonType ? `, ${d.reasonType}` : ""}); no refund of the app accounts for it.`,
          action: "INVESTIGATE",
        });
  }

  return { items: sortItems(dedupeItems(items)), coverage, statementMatched };
}

type RawSuspect = {
  id: string;
  orderGid: string;
  orderName: string | null;
  amountKes: number | bigint;
  paidAmountKes: number | bigint | null;
  mpesaReceipt: string | null;
  completedAt: Date | string | null;
  ledgerKes: number | bigint | null;
};
