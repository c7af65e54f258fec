import crypto from "node:crypto";
import type { PrismaClient, ReceiptVerification } from "@prisma/client";
import { isUniqueViolation } from "../../lib/db-errors";
import { logger } from "../../lib/logger.server";
import type { TransactionStatusInput, InitiatorAck } from "../daraja";
import { normaliseReference } from "../c2b/matching";
import type { RefundAccount } from "../refunds/refund-account.server";
import { verificationTokenHash, verificationUrls } from "./callback-token.server";
import { parseReceiptCode } from "./receipt-code";
import type { RejectionReason } from "./verdict";

// Use case "verify a payment by its M-PESA code" (docs/C2B.md): the merchant — or the shopper on the
// order-status page, when the shop allows it — types the receipt the customer has; before anything is
// applied the app asks Daraja's Transaction Status about it. Rejected at once (no question to Safaricom):
// a malformed code, a receipt already in the ledger (this order, another order, another shop, or the
// unmatched queue), a receipt being verified for another order, a shop without an initiator. Otherwise
// one ReceiptVerification row (PENDING, the receipt in its unique `liveReceipt`) and the query; the
// answer arrives on /daraja/result/verify/<token> (result.server.ts).

export interface VerifyDeps {
  db: PrismaClient;
  now: () => Date;
  config: { callbackBaseUrl: string; resultWaitMs: number };
  /** The shop's initiator and the shortcode it asks for (refunds/refund-account.server.ts), or null. */
  initiator: (shop: string) => Promise<{ account: RefundAccount; accountId: string } | null>;
  transactionStatus: (account: RefundAccount, input: TransactionStatusInput) => Promise<InitiatorAck>;
}

export interface OrderTarget {
  orderGid: string;
  orderName: string;
  /** What the order still owes (Shopify's outstanding balance), whole KES. */
  expectedKes: number;
}

export interface VerifyInput {
  shop: string;
  code: unknown;
  order: OrderTarget;
  source: "merchant" | "shopper";
  actor: string;
}

export type VerifyOutcome =
  | { kind: "pending"; verification: ReceiptVerification; existing: boolean }
  | { kind: "rejected"; reason: RejectionReason; message: string };

const rejected = (reason: RejectionReason, message: string): VerifyOutcome => ({ kind: "rejected", reason, message });

export async function requestVerification(deps: VerifyDeps, input: VerifyInput): Promise<VerifyOutcome> {
  const { db, now } = deps;
  const { shop, order } = input;
  const shopper = input.source === "shopper";
  const parsed = parseReceiptCode(input.code);
  if (!parsed.ok) return rejected("MALFORMED", parsed.message);
  const receipt = parsed.receipt;

  const used = await alreadyUsed(db, shop, receipt, order.orderGid, shopper);
  if (used) return used;

  const live = await db.receiptVerification.findUnique({ where: { liveReceipt: receipt } });
  if (live) {
    const stale = live.state === "PENDING" && now().getTime() - live.createdAt.getTime() > deps.config.resultWaitMs;
    if (stale) await expire(db, live.id, now());
    else if (live.shopDomain === shop && live.orderGid === order.orderGid)
      return { kind: "pending", verification: live, existing: true };
    else return rejected("ALREADY_USED", `${receipt} is already being verified for another order.`);
  }

  const initiator = await deps.initiator(shop);
  if (!initiator)
    return rejected(
      "NOT_CONFIGURED",
      shopper
        ? "The shop cannot check M-PESA codes right now. Please contact the shop with your code."
        : "Checking a code needs the M-PESA initiator (Settings → Initiator name and password or security credential): it is not set up.",
    );

  const id = `rv${crypto.randomBytes(12).toString("base64url")}`;
  let row: ReceiptVerification;
  try {
    row = await db.receiptVerification.create({
      data: {
        id,
        shopDomain: shop,
        orderGid: order.orderGid,
        orderName: order.orderName,
        receipt,
        liveReceipt: receipt,
        source: input.source,
        actor: input.actor.slice(0, 300),
        accountId: initiator.accountId,
        shortCode: initiator.account.shortCode,
        expectedKes: order.expectedKes,
        allowOverpayment: !shopper,
        callbackTokenHash: verificationTokenHash(id),
      },
    });
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    // Submitted twice at once: the other request holds the receipt.
    const other = await db.receiptVerification.findUnique({ where: { liveReceipt: receipt } });
    if (other && other.shopDomain === shop && other.orderGid === order.orderGid)
      return { kind: "pending", verification: other, existing: true };
    return rejected("ALREADY_USED", `${receipt} is already being verified for another order.`);
  }

  const { account } = initiator;
  try {
    const ack = await deps.transactionStatus(account, {
      initiatorName: account.initiatorName,
      credential: account.credential,
      ...verificationUrls(deps.config.callbackBaseUrl, id),
      transactionId: receipt,
      partyA: account.shortCode,
      identifierType: "4",
      remarks: "Verify payment",
      occasion: normaliseReference(order.orderName).slice(0, 100) || "verify",
    });
    row = await db.receiptVerification.update({
      where: { id },
      data: { conversationId: ack.conversationId || ack.originatorConversationId || null },
    });
  } catch (error) {
    const message = `Safaricom refused the status query for ${receipt}: ${error instanceof Error ? error.message : String(error)}`;
    logger.warn({ shop, verificationId: id, err: String(error) }, "Transaction Status for a verification refused");
    await db.receiptVerification.updateMany({
      where: { id, state: "PENDING" },
      data: {
        state: "REJECTED",
        reason: "DARAJA_ERROR",
        message: message.slice(0, 500),
        liveReceipt: null,
        resolvedAt: now(),
      },
    });
    return rejected(
      "DARAJA_ERROR",
      shopper ? "Your code could not be checked right now. Please try again later." : message,
    );
  }
  logger.info({ shop, verificationId: id, source: input.source }, "M-PESA code sent for verification");
  return { kind: "pending", verification: row, existing: false };
}

/**
 * The checks that need no order and no question to Safaricom — the code's form and the ledger — for a
 * page that reports them before "the order cannot take a payment" (a code already recorded on a now
 * paid order is told as "already recorded", not as "the order is paid").
 */
export async function checkCode(
  db: PrismaClient,
  shop: string,
  code: unknown,
  orderGid: string | null,
  source: "merchant" | "shopper",
): Promise<VerifyOutcome | null> {
  const parsed = parseReceiptCode(code);
  if (!parsed.ok) return rejected("MALFORMED", parsed.message);
  return alreadyUsed(db, shop, parsed.receipt, orderGid ?? "", source === "shopper");
}

/** A receipt the ledger already knows is never verified again (one receipt, one payment). */
async function alreadyUsed(
  db: PrismaClient,
  shop: string,
  receipt: string,
  orderGid: string,
  shopper: boolean,
): Promise<VerifyOutcome | null> {
  const [payment, known] = await Promise.all([
    db.c2bPayment.findUnique({ where: { receipt } }),
    db.mpesaReceipt.findUnique({ where: { receipt } }),
  ]);
  if (!payment && !known) return null;
  if (payment && payment.shopDomain === shop && payment.status === "UNMATCHED")
    return rejected(
      "IN_QUEUE",
      shopper
        ? `The shop has received ${receipt} and will match it to your order.`
        : `${receipt} reached the shop but was not matched to an order: apply it from the unmatched payments list.`,
    );
  const ownerShop = known?.shopDomain ?? payment?.shopDomain;
  const onOrder = known?.orderGid ?? payment?.orderGid ?? null;
  if (ownerShop === shop && onOrder === orderGid)
    return rejected("ALREADY_USED", `${receipt} is already recorded on this order.`);
  if (ownerShop === shop && !shopper && onOrder) {
    const other = await db.mpesaOrder.findUnique({
      where: { shopDomain_orderGid: { shopDomain: shop, orderGid: onOrder } },
      select: { orderName: true },
    });
    return rejected(
      "ALREADY_USED",
      `${receipt} is already used: it is recorded on order ${other?.orderName ?? onOrder}.`,
    );
  }
  return rejected("ALREADY_USED", `${receipt} has already been used for another payment.`);
}

async function expire(db: PrismaClient, id: string, at: Date) {
  await db.receiptVerification.updateMany({
    where: { id, state: "PENDING" },
    data: {
      state: "EXPIRED",
      reason: "EXPIRED",
      message: "Safaricom did not answer in time: the code can be tried again.",
      liveReceipt: null,
      resolvedAt: at,
    },
  });
}

/** A PENDING verification older than the wait is given up when it is read (the code may be tried again). */
export async function expireStale(deps: Pick<VerifyDeps, "db" | "now" | "config">, rows: ReceiptVerification[]) {
  const at = deps.now();
  const stale = rows.filter(
    (r) => r.state === "PENDING" && at.getTime() - r.createdAt.getTime() > deps.config.resultWaitMs,
  );
  for (const r of stale) await expire(deps.db, r.id, at);
  return stale.length > 0;
}

/**
 * The merchant names the order as they see it ("#1001", "1001", or its id): the shop's M-PESA order
 * it denotes, with what it still owes — or why a payment cannot be applied to it.
 */
export async function findOrderForMerchant(
  db: PrismaClient,
  shop: string,
  text: string,
): Promise<{ ok: true; order: OrderTarget & { createdAt: Date } } | { ok: false; message: string; orderGid?: string }> {
  const t = text.trim();
  if (!t) return { ok: false, message: "Enter the order the payment is for (e.g. #1001)." };
  const key = normaliseReference(t);
  const rows = t.startsWith("gid://shopify/Order/")
    ? await db.mpesaOrder.findMany({ where: { shopDomain: shop, orderGid: t } })
    : await db.mpesaOrder.findMany({
        where: { shopDomain: shop, OR: [{ nameKey: key }, { nameDigitsKey: key.replace(/\D/g, "") || "-" }] },
        take: 3,
      });
  if (rows.length === 0) return { ok: false, message: `No M-PESA order "${t.slice(0, 40)}" in this shop.` };
  if (rows.length > 1)
    return { ok: false, message: `"${t.slice(0, 40)}" names several orders: type the full order name.` };
  const o = rows[0];
  const name = o.orderName ?? o.orderGid;
  if (o.cancelledAt)
    return { ok: false, message: `${name} is cancelled: nothing is applied to it.`, orderGid: o.orderGid };
  if (o.outstandingKes === null) return { ok: false, message: `${name} is not in KES.`, orderGid: o.orderGid };
  if (o.paidAt || o.outstandingKes <= 0)
    return { ok: false, message: `${name} is already paid.`, orderGid: o.orderGid };
  return {
    ok: true,
    order: { orderGid: o.orderGid, orderName: name, expectedKes: o.outstandingKes, createdAt: o.createdAt },
  };
}
