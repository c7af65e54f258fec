import type { CallbackLog, PrismaClient, ReceiptVerification } from "@prisma/client";
import { isUniqueViolation } from "../../lib/db-errors";
import { logger } from "../../lib/logger.server";
import { parseTransactionStatusResult } from "../daraja";
import { parseEatTimestamp } from "../daraja/time";
import { C2B_STATUS, enqueueRecord } from "../c2b/ledger.server";
import { formatEat } from "../payments/dashboard/format";
import { judgeStatus, type RejectionReason } from "./verdict";

// Apply step of a verification's Transaction Status answer (ResultURL op "verify", or its queue
// time-out): judge the answer (verdict.ts) and either reject with its reason, or enter the receipt in
// the C2B ledger — a C2bPayment (matchRule "verified") and its MpesaReceipt row, with the
// `record-c2b-payment` job, in one transaction — so the order is written by the same record job as a
// C2B confirmation, and the same receipt arriving later by confirmation or STK callback is one payment.
// Idempotent: a verification no longer PENDING changes nothing (a second copy of the result).

export interface ApplyVerificationDeps {
  db: PrismaClient;
  now: () => Date;
}

const RELEASED = { lockedBy: null, lockedUntil: null };

export async function applyVerificationEvent(
  deps: ApplyVerificationDeps,
  row: CallbackLog,
  timedOut: boolean,
): Promise<void> {
  const { db } = deps;
  const close = (status: "PROCESSED" | "IGNORED", note: string) =>
    db.callbackLog.update({
      where: { id: row.id },
      data: { status, error: note.slice(0, 500), processedAt: deps.now(), ...RELEASED },
    });
  const v = row.tokenHash
    ? await db.receiptVerification.findUnique({ where: { callbackTokenHash: row.tokenHash } })
    : null;
  if (!v) return void (await close("IGNORED", "no verification for this token"));
  if (v.state !== "PENDING") return void (await close("PROCESSED", `no change: verification already ${v.state}`));

  if (timedOut)
    return finish(
      deps,
      v,
      row,
      "EXPIRED",
      "EXPIRED",
      "M-PESA's queue timed out before Safaricom answered: try the code again.",
    );

  const r = parseTransactionStatusResult(JSON.parse(row.body) as unknown);
  const [order, accounts] = await Promise.all([
    db.mpesaOrder.findUnique({
      where: { shopDomain_orderGid: { shopDomain: v.shopDomain, orderGid: v.orderGid } },
      select: { createdAt: true },
    }),
    db.mpesaAccount.findMany({
      where: { shopDomain: v.shopDomain, purpose: "RECEIVE" },
      select: { kind: true, businessShortCode: true, tillNumber: true },
    }),
  ]);
  const shortCodes = accounts.flatMap((a): { number: string; kind: "paybill" | "till" }[] =>
    a.kind === "till" && a.tillNumber
      ? [
          { number: a.tillNumber, kind: "till" },
          { number: a.businessShortCode, kind: "till" },
        ]
      : [{ number: a.businessShortCode, kind: "paybill" }],
  );
  const time = r.finalisedTime ?? r.initiatedTime;
  const verdict = judgeStatus(
    {
      resultCode: r.resultCode,
      resultDesc: r.resultDesc,
      receiptNo: r.receiptNo,
      transactionStatus: r.transactionStatus,
      amount: r.amount,
      creditPartyName: r.creditPartyName,
      paidAt: time ? parseEatTimestamp(time) : null,
    },
    {
      receipt: v.receipt,
      expectedKes: v.expectedKes,
      allowOverpayment: v.allowOverpayment,
      orderName: v.orderName ?? "the order",
      orderCreatedAt: order?.createdAt ?? null,
      shortCodes,
      now: deps.now(),
      formatTime: (d) => `${formatEat(d)} EAT`,
    },
  );
  if (!verdict.ok) return finish(deps, v, row, "REJECTED", verdict.reason, verdict.message);

  try {
    const outcome = await db.$transaction(async (tx) => {
      const [payment, known] = await Promise.all([
        tx.c2bPayment.findUnique({ where: { receipt: v.receipt } }),
        tx.mpesaReceipt.findUnique({ where: { receipt: v.receipt } }),
      ]);
      if (payment || known) return "used" as const;
      const { count } = await tx.receiptVerification.updateMany({
        where: { id: v.id, state: "PENDING" },
        data: {
          state: "VERIFIED",
          amountKes: verdict.amountKes,
          transTime: verdict.paidAt,
          resolvedAt: deps.now(),
          message: null,
        },
      });
      if (count === 0) return "changed" as const;
      const c2b = await tx.c2bPayment.create({
        data: {
          receipt: v.receipt,
          shopDomain: v.shopDomain,
          accountId: v.accountId,
          shortCode: verdict.shortCode,
          transactionType: verdict.kind === "till" ? "Buy Goods" : "Pay Bill",
          amountText: String(verdict.amountKes),
          amountKes: verdict.amountKes,
          billRefRaw: "",
          billRefKey: "",
          transTime: verdict.paidAt,
          status: C2B_STATUS.MATCHED,
          matchRule: "verified",
          orderGid: v.orderGid,
          orderName: v.orderName,
          callbackLogId: row.id,
        },
      });
      await tx.mpesaReceipt.create({
        data: {
          receipt: v.receipt,
          shopDomain: v.shopDomain,
          channel: "C2B",
          orderGid: v.orderGid,
          amountKes: verdict.amountKes,
        },
      });
      await tx.receiptVerification.update({ where: { id: v.id }, data: { c2bPaymentId: c2b.id } });
      await enqueueRecord(tx, c2b);
      await tx.callbackLog.update({
        where: { id: row.id },
        data: {
          status: "PROCESSED",
          error: `verified ${v.receipt}: applying to ${v.orderName ?? v.orderGid}`,
          processedAt: deps.now(),
          ...RELEASED,
        },
      });
      return "verified" as const;
    });
    if (outcome === "verified") {
      logger.info({ shop: v.shopDomain, verificationId: v.id }, "M-PESA code verified; applying to the order");
      return;
    }
    if (outcome === "changed") return void (await close("PROCESSED", "no change: verification changed meanwhile"));
  } catch (error) {
    if (!isUniqueViolation(error)) throw error; // retried by the worker
  }
  // The same receipt entered the ledger meanwhile (a C2B confirmation or STK callback): one payment.
  return finish(
    deps,
    v,
    row,
    "REJECTED",
    "ALREADY_USED",
    `${v.receipt} arrived meanwhile by M-PESA's own notification and is recorded once; nothing more was applied.`,
  );
}

async function finish(
  deps: ApplyVerificationDeps,
  v: ReceiptVerification,
  row: CallbackLog,
  state: "REJECTED" | "EXPIRED",
  reason: RejectionReason,
  message: string,
) {
  await deps.db.$transaction(async (tx) => {
    const { count } = await tx.receiptVerification.updateMany({
      where: { id: v.id, state: "PENDING" },
      data: { state, reason, message: message.slice(0, 500), liveReceipt: null, resolvedAt: deps.now() },
    });
    await tx.callbackLog.update({
      where: { id: row.id },
      data: {
        status: "PROCESSED",
        error: count === 1 ? `${state.toLowerCase()}: ${reason}` : "no change: verification changed meanwhile",
        processedAt: deps.now(),
        ...RELEASED,
      },
    });
  });
  logger.info({ shop: v.shopDomain, verificationId: v.id, reason }, "M-PESA code not verified");
}
