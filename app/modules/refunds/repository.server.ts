import crypto from "node:crypto";
import type { MpesaRefund, Prisma, PrismaClient } from "@prisma/client";
import { logger } from "../../lib/logger.server";
import { enqueueJob } from "../jobs/queue.server";
import { refundCallbackTokenHash } from "./callback-token.server";
import { NOTE_REFUND_ON_ORDER, RECORD_REFUND_IN_SHOPIFY, SEND_REFUND, SETTLE_REFUND } from "./job-types";
import {
  transition,
  type RefundEvent,
  type RefundFacts,
  type RefundMethod,
  type RefundOrigin,
  type RefundState,
} from "./transition";

// The refunds repository: creating a refund takes its shillings from the receipt's refundable
// remainder in the same transaction (a conditional update: the limit is a database fact), and every
// later change goes through applyRefundEvent — transition() on the row as read, then an update
// conditional on that same state, with the effects (jobs, the reservation) in the same transaction.

export type Db = PrismaClient | Prisma.TransactionClient;

export interface NewRefund {
  shopDomain: string;
  orderGid: string;
  receipt: string;
  amountKes: number;
  method: RefundMethod;
  initiatedBy: RefundOrigin;
  sourceKey: string;
  phone?: string | null;
  payerMasked?: string | null;
  payerHash?: string | null;
  shopifyRefundGid?: string | null;
  parentTransactionGid?: string | null;
  note?: string | null;
}

export type CreateRefundResult =
  | { created: true; refund: MpesaRefund }
  | { created: false; reason: "duplicate"; refund: MpesaRefund }
  | { created: false; reason: "over_limit" | "no_receipt"; remainingKes: number };

/** The key M-PESA sees (B2C OriginatorConversationID, Reversal Remarks): derived from the refund's id. */
export const idempotencyKeyFor = (refundId: string) => `mpesa-refund-${refundId}`;

/** Refund ids are made here (not by the database) so that the key exists before the row is written. */
const newRefundId = () => `rf${crypto.randomBytes(10).toString("hex")}`;

/**
 * Takes `amount` shillings from the receipt's refundable remainder, or nothing: a compare-and-set
 * on the receipt's `refundedKes` (the update matches only the value just read), so concurrent
 * refunds of one receipt can never together exceed what it received, on SQLite and PostgreSQL alike.
 */
export async function reserveOnReceipt(db: Db, receipt: string, amountKes: number): Promise<boolean> {
  for (;;) {
    const row = await db.mpesaReceipt.findUnique({
      where: { receipt },
      select: { amountKes: true, refundedKes: true },
    });
    if (!row || row.refundedKes + amountKes > row.amountKes) return false;
    const { count } = await db.mpesaReceipt.updateMany({
      where: { receipt, refundedKes: row.refundedKes },
      data: { refundedKes: row.refundedKes + amountKes },
    });
    if (count === 1) return true;
  }
}

/** Gives the shillings back (the refund can no longer pay: failed for good, or cancelled). */
export async function releaseOnReceipt(db: Db, receipt: string, amountKes: number) {
  await db.mpesaReceipt.updateMany({
    where: { receipt, refundedKes: { gte: amountKes } },
    data: { refundedKes: { decrement: amountKes } },
  });
}

/** Money went out after all: count it again, whatever the limit says (it moved; the merchant is told). */
async function reserveAgain(db: Db, receipt: string, amountKes: number) {
  await db.mpesaReceipt.updateMany({ where: { receipt }, data: { refundedKes: { increment: amountKes } } });
}

export async function refundableKes(db: Db, receipt: string): Promise<number> {
  const row = await db.mpesaReceipt.findUnique({ where: { receipt }, select: { amountKes: true, refundedKes: true } });
  return row ? row.amountKes - row.refundedKes : 0;
}

/** Creates a PENDING_APPROVAL refund and reserves its amount on the receipt, or neither. */
export async function createRefund(db: PrismaClient, input: NewRefund): Promise<CreateRefundResult> {
  const existing = await db.mpesaRefund.findUnique({ where: { sourceKey: input.sourceKey } });
  if (existing) return { created: false, reason: "duplicate", refund: existing };
  return busyRetry(() => db.$transaction(async (tx) => createRefundIn(tx, input)));
}

/**
 * SQLite answers a second writer's transaction with SQLITE_BUSY (Prisma: P1008 "timed out") when
 * another connection holds the write lock past busy_timeout; the whole transaction is run again
 * a few times before giving up (nothing of a rolled-back transaction is left behind).
 */
export async function busyRetry<T>(run: () => Promise<T>, tries = 8): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await run();
    } catch (error) {
      const code = (error as { code?: string }).code;
      const busy = code === "P1008" || /SQLITE_BUSY|database is locked/i.test(String((error as Error).message));
      if (!busy || i >= tries) throw error;
      await new Promise((r) => setTimeout(r, 25 * i + Math.random() * 50));
    }
  }
}

/** The same inside a caller's transaction (a webhook's applyOnce). Duplicates of sourceKey throw P2002. */
export async function createRefundIn(tx: Prisma.TransactionClient, input: NewRefund): Promise<CreateRefundResult> {
  const id = newRefundId();
  if (!(await reserveOnReceipt(tx, input.receipt, input.amountKes))) {
    const left = await tx.mpesaReceipt.findUnique({ where: { receipt: input.receipt } });
    return {
      created: false,
      reason: left ? "over_limit" : "no_receipt",
      remainingKes: left ? left.amountKes - left.refundedKes : 0,
    };
  }
  const refund = await tx.mpesaRefund.create({
    data: {
      id,
      shopDomain: input.shopDomain,
      orderGid: input.orderGid,
      receipt: input.receipt,
      amountKes: input.amountKes,
      method: input.method,
      initiatedBy: input.initiatedBy,
      sourceKey: input.sourceKey,
      idempotencyKey: idempotencyKeyFor(id),
      callbackTokenHash: refundCallbackTokenHash(id),
      phone: input.phone ?? null,
      payerMasked: input.payerMasked ?? null,
      payerHash: input.payerHash ?? null,
      shopifyRefundGid: input.shopifyRefundGid ?? null,
      parentTransactionGid: input.parentTransactionGid ?? null,
      note: input.note ?? null,
    },
  });
  return { created: true, refund };
}

export const factsOf = (r: MpesaRefund): RefundFacts => ({
  state: r.state as RefundState,
  method: r.method as RefundMethod,
  initiatedBy: r.initiatedBy as RefundOrigin,
  sendCount: r.sendCount,
  conversationId: r.conversationId,
  queueTimedOut: !!r.queueTimedOutAt,
  recipientKnown: r.method !== "B2C" || !!r.phone,
});

export interface ApplyDeps {
  db: PrismaClient;
  now: () => Date;
}

export type ApplyResult =
  | { applied: true; refund: MpesaRefund; from: RefundState }
  | { applied: false; refund: MpesaRefund | null; reason: string };

/**
 * Applies one event to one refund. The update is conditional on the state and send count read in
 * the same transaction: a concurrent writer makes it match nothing, and the event is decided again
 * on the fresh row. Effects happen in that transaction (outbox), so all of it happens or none.
 */
export async function applyRefundEvent(
  deps: ApplyDeps,
  refundId: string,
  event: RefundEvent,
  opts: { callbackLogId?: string } = {},
): Promise<ApplyResult> {
  for (let round = 0; round < 4; round++) {
    const outcome = await busyRetry(() =>
      deps.db.$transaction(async (tx) => {
        // Write first: the row's lock is taken before the read (SQLite: the write lock, so the
        // read-then-write below cannot fail with SQLITE_BUSY; PostgreSQL: the row lock, so concurrent
        // appliers of one refund queue instead of racing).
        await tx.mpesaRefund.updateMany({ where: { id: refundId }, data: { sendCount: { increment: 0 } } });
        const row = await tx.mpesaRefund.findUnique({ where: { id: refundId } });
        if (!row) return { applied: false as const, refund: null, reason: "no such refund" };
        const t = transition(factsOf(row), event);
        if (!t.applied) {
          if (opts.callbackLogId) await closeCallback(tx, opts.callbackLogId, deps.now(), `no change: ${t.reason}`);
          return { applied: false as const, refund: row, reason: t.reason };
        }
        const { count } = await tx.mpesaRefund.updateMany({
          where: { id: row.id, state: row.state, sendCount: row.sendCount },
          data: { state: t.state, ...t.patch },
        });
        if (count === 0) return null; // changed under us: decide again
        for (const effect of t.effects) {
          const job = { payload: { refundId: row.id }, shopDomain: row.shopDomain };
          if (effect === "send") await enqueueJob(tx, { type: SEND_REFUND, ...job });
          if (effect === "query-status") await enqueueJob(tx, { type: SETTLE_REFUND, ...job });
          if (effect === "record-in-shopify")
            await enqueueJob(tx, { type: RECORD_REFUND_IN_SHOPIFY, ...job, dedupeKey: `refund-record:${row.id}` });
          if (effect === "note-on-order")
            await enqueueJob(tx, { type: NOTE_REFUND_ON_ORDER, ...job, dedupeKey: `refund-note:${row.id}` });
          if (effect === "release") await releaseOnReceipt(tx, row.receipt, row.amountKes);
          if (effect === "reserve-again") await reserveAgain(tx, row.receipt, row.amountKes);
        }
        if (opts.callbackLogId) await closeCallback(tx, opts.callbackLogId, deps.now(), null);
        const refund = await tx.mpesaRefund.findUniqueOrThrow({ where: { id: row.id } });
        return { applied: true as const, refund, from: row.state as RefundState };
      }),
    );
    if (outcome) {
      if (outcome.applied) {
        const level = outcome.refund.state === "FAILED" || event.type === "balance-short" ? "warn" : "info";
        logger[level](
          {
            refundId,
            event: event.type,
            from: outcome.from,
            to: outcome.refund.state,
            shop: outcome.refund.shopDomain,
          },
          "refund changed state",
        );
        if (outcome.from === "FAILED" && outcome.refund.state === "SUCCEEDED")
          logger.error({ alert: "refund_paid_after_failure", refundId }, "refund paid after it had failed");
      }
      return outcome;
    }
  }
  throw new Error(`refund ${refundId} kept changing under event ${event.type}`);
}

async function closeCallback(tx: Prisma.TransactionClient, id: string, now: Date, note: string | null) {
  await tx.callbackLog.update({
    where: { id },
    data: {
      status: "PROCESSED",
      processedAt: now,
      error: note?.slice(0, 500) ?? null,
      lockedBy: null,
      lockedUntil: null,
    },
  });
}

export const findRefund = (db: Db, id: string) => db.mpesaRefund.findUnique({ where: { id } });

/**
 * Approves a refund just created in the caller's transaction (the shop's auto-approve rule,
 * docs/REFUNDS.md): the same transition as the merchant's click, its send job in the same transaction.
 * Returns false when the machine refuses (a MANUAL refund is never sent).
 */
export async function approveCreatedIn(
  tx: Prisma.TransactionClient,
  refund: MpesaRefund,
  by: string,
  at: Date,
): Promise<boolean> {
  const t = transition(factsOf(refund), { type: "approve", by, at });
  if (!t.applied) return false;
  const { count } = await tx.mpesaRefund.updateMany({
    where: { id: refund.id, state: refund.state, sendCount: refund.sendCount },
    data: { state: t.state, ...t.patch },
  });
  if (count !== 1) return false;
  if (t.effects.includes("send"))
    await enqueueJob(tx, { type: SEND_REFUND, payload: { refundId: refund.id }, shopDomain: refund.shopDomain });
  return true;
}
