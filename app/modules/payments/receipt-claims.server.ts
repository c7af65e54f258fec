import crypto from "node:crypto";
import type { Prisma, PrismaClient } from "@prisma/client";

// The per-receipt claim on the Shopify write (issue 9, M7). Two runs of the record job can overlap
// (a lock that expired under a slow Admin API, a worker that was thought dead): whatever the job
// lock does, only the run holding the receipt's claim writes a payment for it. The claim is a
// conditional update on the MpesaReceipt row — the database decides, on SQLite and PostgreSQL alike.

type Db = PrismaClient | Prisma.TransactionClient;

export type ReceiptClaim = { claimed: true; token: string } | { claimed: false; recorded: boolean; missing: boolean };

export async function claimReceiptWrite(db: Db, receipt: string, now: Date, holdMs: number): Promise<ReceiptClaim> {
  const token = crypto.randomUUID();
  const { count } = await db.mpesaReceipt.updateMany({
    where: {
      receipt,
      shopifyRecordedAt: null,
      OR: [{ shopifyClaimUntil: null }, { shopifyClaimUntil: { lt: now } }],
    },
    data: { shopifyClaimToken: token, shopifyClaimUntil: new Date(now.getTime() + holdMs) },
  });
  if (count === 1) return { claimed: true, token };
  const row = await db.mpesaReceipt.findUnique({ where: { receipt }, select: { shopifyRecordedAt: true } });
  return { claimed: false, recorded: !!row?.shopifyRecordedAt, missing: !row };
}

/**
 * How soon a run that found the receipt claimed by another run looks again. The claim lasts as long
 * as a write may take (SHOPIFY_RECORD_CLAIM_SECONDS, 120 s by default) so that a crashed holder's
 * claim expires, but a live holder usually finishes within a second or two: waiting out the whole
 * hold left the second channel of one receipt (an STK callback and its C2B echo) pending for minutes.
 * Looking again costs one indexed update.
 */
export const claimBusyRetryMs = (holdMs: number) => Math.min(holdMs, 2_000);

/** The payment is on the Shopify order: no run writes it again. */
export async function receiptRecorded(db: Db, receipt: string, token: string, now: Date) {
  await db.mpesaReceipt.updateMany({
    where: { receipt, shopifyClaimToken: token },
    data: { shopifyRecordedAt: now, shopifyClaimToken: null, shopifyClaimUntil: null },
  });
}

/** Gives the claim back (the write failed before anything could have landed). */
export async function releaseReceiptClaim(db: Db, receipt: string, token: string) {
  await db.mpesaReceipt.updateMany({
    where: { receipt, shopifyClaimToken: token },
    data: { shopifyClaimToken: null, shopifyClaimUntil: null },
  });
}

// Receipt-pending payments (receipt-pending.server.ts) have no MpesaReceipt row yet: their Shopify write is
// claimed on the attempt instead (PaymentAttempt.pendingClaimUntil), with the same rule.

export type PendingClaim = { claimed: true; token: string } | { claimed: false; recorded: boolean; missing: false };

/** Claim on the receipt-pending write (no MpesaReceipt row exists yet): a conditional update on the attempt. */
export async function claimPendingWrite(db: Db, attemptId: string, now: Date, holdMs: number): Promise<PendingClaim> {
  const until = new Date(now.getTime() + holdMs);
  const { count } = await db.paymentAttempt.updateMany({
    where: {
      id: attemptId,
      recordedInShopifyAt: null,
      OR: [{ pendingClaimUntil: null }, { pendingClaimUntil: { lt: now } }],
    },
    data: { pendingClaimUntil: until },
  });
  if (count === 1) return { claimed: true, token: until.toISOString() };
  const row = await db.paymentAttempt.findUnique({ where: { id: attemptId }, select: { recordedInShopifyAt: true } });
  return { claimed: false, recorded: !!row?.recordedInShopifyAt, missing: false };
}

export async function releasePendingClaim(db: Db, attemptId: string, token: string) {
  await db.paymentAttempt.updateMany({
    where: { id: attemptId, pendingClaimUntil: new Date(token) },
    data: { pendingClaimUntil: null },
  });
}
