import type { C2bPayment as C2bPaymentRow, Prisma, PrismaClient } from "@prisma/client";
import { logger } from "../../lib/logger.server";
import type { C2bPayment } from "../daraja";
import { enqueueJob } from "../jobs/queue.server";
import { RECORD_C2B_PAYMENT } from "./job-types";
import { lookupKeys, matchPayment, normaliseReference, type MatchResult, type OrderCandidate } from "./matching";

// The C2B side of the receipt ledger: one confirmation becomes one C2bPayment row (and, for money the
// ledger can apply, the receipt's MpesaReceipt row — the key shared with the STK prompt), matched to
// an order of the receiving shop or left in the merchant's unmatched queue. Nothing here calls Shopify:
// a matched payment gets a `record-c2b-payment` job, written in the same transaction (outbox).

type Tx = Prisma.TransactionClient;
type Db = PrismaClient | Tx;

export const C2B_STATUS = {
  MATCHED: "MATCHED",
  APPLIED: "APPLIED",
  UNMATCHED: "UNMATCHED",
  DISMISSED: "DISMISSED",
  STK_DUPLICATE: "STK_DUPLICATE",
} as const;

/** The orders of `shop` a reference could name (by the indexed keys of MpesaOrder). */
export async function findCandidates(db: Db, shop: string, billRef: string): Promise<OrderCandidate[]> {
  const keys = lookupKeys(billRef);
  if (!keys) return [];
  const or: Prisma.MpesaOrderWhereInput[] = [
    { referenceKey: keys.key },
    { nameKey: keys.key },
    { nameDigitsKey: keys.key },
    { confirmationKey: keys.key },
    ...(keys.digits ? [{ nameDigitsKey: keys.digits }] : []),
  ];
  const rows = await db.mpesaOrder.findMany({ where: { shopDomain: shop, OR: or }, take: 20 });
  return rows.map((r) => ({
    orderGid: r.orderGid,
    orderName: r.orderName,
    referenceKey: r.referenceKey,
    nameKey: r.nameKey,
    nameDigitsKey: r.nameDigitsKey,
    confirmationKey: r.confirmationKey,
    currency: r.currency,
    outstandingKes: r.outstandingKes,
    paidAt: r.paidAt,
    cancelledAt: r.cancelledAt,
    createdAt: r.createdAt,
  }));
}

export interface ConfirmationToApply {
  shopDomain: string;
  accountId: string | null;
  callbackLogId: string | null;
  payment: C2bPayment;
}

export type LedgerOutcome =
  | { kind: "duplicate"; paymentId: string }
  | { kind: "stk_duplicate"; paymentId: string }
  | { kind: "matched"; paymentId: string; orderGid: string }
  | { kind: "unmatched"; paymentId: string; reason: string };

const payerOf = (p: C2bPayment) =>
  p.payer === null
    ? { payerKind: null, payer: null }
    : p.payer.kind === "hashed"
      ? { payerKind: "hashed", payer: p.payer.hash }
      : p.payer.kind === "masked"
        ? { payerKind: "masked", payer: p.payer.masked }
        : { payerKind: "msisdn", payer: p.payer.msisdn };

/**
 * Enters one confirmation in the ledger, in one transaction: a receipt seen before (the same C2B
 * confirmation again, or the STK prompt's payment) adds nothing; otherwise the payment is matched
 * and either gets its record job or waits in the unmatched queue.
 */
export async function enterConfirmation(
  db: PrismaClient,
  c: ConfirmationToApply,
  now: Date,
  close?: (tx: Tx, note: string) => Promise<void>,
): Promise<LedgerOutcome> {
  const p = c.payment;
  const candidates = await findCandidates(db, c.shopDomain, p.billRefNumber);
  const match = matchPayment({ billRef: p.billRefNumber, amount: p.amount, paidAt: p.transTime }, candidates);
  const outcome = await db.$transaction(async (tx) => {
    const seen = await tx.c2bPayment.findUnique({ where: { receipt: p.transId } });
    if (seen) {
      await close?.(tx, `duplicate confirmation of ${p.transId}: nothing applied again`);
      return { kind: "duplicate" as const, paymentId: seen.id };
    }
    const known = await tx.mpesaReceipt.findUnique({ where: { receipt: p.transId } });
    const common = {
      receipt: p.transId,
      shopDomain: c.shopDomain,
      accountId: c.accountId,
      shortCode: p.businessShortCode,
      transactionType: p.transactionType,
      amountText: p.amountText || String(p.amount),
      amountKes: Number.isInteger(p.amount) && p.amount > 0 ? p.amount : null,
      billRefRaw: p.billRefNumber.slice(0, 100),
      billRefKey: normaliseReference(p.billRefNumber).slice(0, 100),
      ...payerOf(p),
      payerName: [p.firstName, p.middleName, p.lastName].filter(Boolean).join(" ") || null,
      transTime: p.transTime,
      callbackLogId: c.callbackLogId,
    };
    if (known) {
      // The STK prompt's own payment, also reported by C2B (docs/C2B.md): one payment, applied once.
      const row = await tx.c2bPayment.create({
        data: {
          ...common,
          status: C2B_STATUS.STK_DUPLICATE,
          reason: "STK_DUPLICATE",
          reasonDetail: `receipt already in the ledger from ${known.channel}${known.attemptId ? ` attempt ${known.attemptId}` : ""}`,
          orderGid: known.orderGid,
        },
      });
      await close?.(tx, `receipt ${p.transId} already recorded (${known.channel}): confirmation only`);
      return { kind: "stk_duplicate" as const, paymentId: row.id };
    }
    const row = await tx.c2bPayment.create({ data: { ...common, ...fieldsFor(match) } });
    if (common.amountKes !== null) {
      await tx.mpesaReceipt.create({
        data: {
          receipt: p.transId,
          shopDomain: c.shopDomain,
          channel: "C2B",
          orderGid: match.matched ? match.order.orderGid : null,
          amountKes: common.amountKes,
        },
      });
    }
    if (match.matched) {
      await enqueueRecord(tx, row);
      await close?.(tx, `matched ${match.order.orderName ?? match.order.orderGid} by ${match.rule}`);
      return { kind: "matched" as const, paymentId: row.id, orderGid: match.order.orderGid };
    }
    await close?.(tx, `unmatched: ${match.reason}`);
    return { kind: "unmatched" as const, paymentId: row.id, reason: match.reason };
  });
  logger.info({ shop: c.shopDomain, receipt: p.transId, outcome: outcome.kind }, "C2B payment entered in the ledger");
  return outcome;
}

function fieldsFor(match: MatchResult) {
  if (match.matched)
    return {
      status: C2B_STATUS.MATCHED,
      matchRule: match.rule,
      orderGid: match.order.orderGid,
      orderName: match.order.orderName,
    };
  return {
    status: C2B_STATUS.UNMATCHED,
    reason: match.reason,
    reasonDetail: match.detail.slice(0, 500),
    orderGid: match.order?.orderGid ?? null,
    orderName: match.order?.orderName ?? null,
  };
}

export async function enqueueRecord(tx: Tx, row: Pick<C2bPaymentRow, "id" | "shopDomain">) {
  await enqueueJob(tx, { type: RECORD_C2B_PAYMENT, payload: { paymentId: row.id }, shopDomain: row.shopDomain });
}
