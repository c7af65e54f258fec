import type { C2bPayment, PrismaClient } from "@prisma/client";
import { maskMsisdn } from "../../lib/phone-mask";
import { formatEat, formatKes } from "../payments/dashboard/format";
import { C2B_STATUS, enqueueRecord } from "./ledger.server";
import { lookupKeys, normaliseReference } from "./matching";

// The merchant's unmatched paybill payments (the page /app/payments/unmatched): list them, search the
// shop's orders, apply a payment to an order, or mark it "not an order payment". Every act is written
// to C2bAuditEntry in the same transaction as the change it made: who (the staff member of the admin
// session), what, when. Views hold display strings only; the payer is shown masked, never hashed.

const REASON_WORDS: Record<string, string> = {
  NO_REFERENCE: "No account number",
  UNKNOWN_REFERENCE: "No order has this account number",
  AMBIGUOUS_REFERENCE: "The account number names several orders",
  ORDER_CANCELLED: "The order is cancelled",
  ORDER_ALREADY_PAID: "The order was already paid",
  ORDER_NOT_KES: "The order is not in KES",
  AMOUNT_NOT_WHOLE: "Amount is not whole shillings",
  AMOUNT_NOT_POSITIVE: "Amount is zero or negative",
  PAID_BEFORE_ORDER: "Paid before the order existed",
  ORDER_NOT_FOUND: "Shopify does not know the order",
  SANDBOX_ON_LIVE_STORE: "Sandbox money on a live store",
  OVERPAID: "Over-payment: refund the surplus",
};
export const reasonWords = (reason: string | null) =>
  reason ? (REASON_WORDS[reason] ?? reason.replace(/^SHOPIFY_/, "Shopify refused: ")) : "";

export interface QueueRow {
  id: string;
  receipt: string;
  paidAt: string;
  amount: string;
  billRef: string;
  payer: string;
  shortCode: string;
  reason: string;
  detail: string;
  orderName: string | null;
  /** Only whole positive shillings can be applied to an order. */
  applicable: boolean;
}

export interface AuditView {
  at: string;
  actor: string;
  action: string;
  receipt: string;
  orderName: string | null;
  note: string | null;
}

function payerDisplay(p: Pick<C2bPayment, "payerKind" | "payer">): string {
  if (!p.payer) return "";
  if (p.payerKind === "hashed") return "hidden by M-PESA (C2B v1)";
  if (p.payerKind === "msisdn") return maskMsisdn(p.payer);
  return p.payer;
}

const row = (p: C2bPayment): QueueRow => ({
  id: p.id,
  receipt: p.receipt,
  paidAt: formatEat(p.transTime),
  amount: p.amountKes !== null ? formatKes(p.amountKes) : `KES ${p.amountText}`,
  billRef: p.billRefRaw,
  payer: payerDisplay(p),
  shortCode: p.shortCode,
  reason: reasonWords(p.reason),
  detail: p.reasonDetail ?? "",
  orderName: p.orderName,
  applicable: p.amountKes !== null,
});

/** The home page banner: how many paybill payments wait for the merchant. */
export function countUnmatched(db: PrismaClient, shop: string): Promise<number> {
  return db.c2bPayment.count({ where: { shopDomain: shop, status: C2B_STATUS.UNMATCHED } });
}

export async function unmatchedQueue(db: PrismaClient, shop: string) {
  const [unmatched, overpaid, audit] = await Promise.all([
    db.c2bPayment.findMany({
      where: { shopDomain: shop, status: C2B_STATUS.UNMATCHED },
      orderBy: { transTime: "desc" },
      take: 100,
    }),
    db.c2bPayment.findMany({
      where: { shopDomain: shop, status: C2B_STATUS.APPLIED, surplusKes: { gt: 0 } },
      orderBy: { transTime: "desc" },
      take: 50,
    }),
    db.c2bAuditEntry.findMany({ where: { shopDomain: shop }, orderBy: { createdAt: "desc" }, take: 50 }),
  ]);
  const receipts = new Map<string, string>();
  if (audit.length) {
    const paid = await db.c2bPayment.findMany({
      where: { id: { in: audit.map((a) => a.paymentId) }, shopDomain: shop },
      select: { id: true, receipt: true },
    });
    for (const p of paid) receipts.set(p.id, p.receipt);
  }
  return {
    unmatched: unmatched.map(row),
    overpaid: overpaid.map((p) => ({ ...row(p), surplus: formatKes(p.surplusKes) })),
    audit: audit.map((a): AuditView => ({
      at: formatEat(a.createdAt, { seconds: true }),
      actor: a.actor,
      action: a.action === "apply" ? "Applied to order" : "Marked not an order payment",
      receipt: receipts.get(a.paymentId) ?? "",
      orderName: a.orderName,
      note: a.note,
    })),
  };
}

export interface OrderHit {
  orderGid: string;
  name: string;
  outstanding: string;
  state: string;
}

/** The shop's orders whose name, reference or confirmation number contain what the merchant typed. */
export async function searchOrders(db: PrismaClient, shop: string, text: string): Promise<OrderHit[]> {
  const keys = lookupKeys(text);
  if (!keys) return [];
  const key = normaliseReference(text);
  const rows = await db.mpesaOrder.findMany({
    where: {
      shopDomain: shop,
      OR: [
        { nameKey: { contains: key } },
        { referenceKey: { contains: key } },
        { confirmationKey: { contains: key } },
        ...(keys.digits ? [{ nameDigitsKey: { contains: keys.digits } }] : []),
      ],
    },
    orderBy: { createdAt: "desc" },
    take: 20,
  });
  return rows.map((o) => ({
    orderGid: o.orderGid,
    name: o.orderName ?? o.orderGid,
    outstanding: o.outstandingKes !== null ? formatKes(o.outstandingKes) : o.currency,
    state: o.cancelledAt ? "cancelled" : o.paidAt || o.outstandingKes === 0 ? "paid" : "open",
  }));
}

export type QueueActResult = { ok: true; message: string } | { ok: false; message: string };

export interface Actor {
  /** What the audit trail says: the staff member's name/email when known, always their user id. */
  label: string;
}

/** Applies an unmatched payment to one of the shop's orders (the record job then writes it to Shopify). */
export async function applyToOrder(
  db: PrismaClient,
  shop: string,
  input: { paymentId: string; orderGid: string; note?: string },
  actor: Actor,
): Promise<QueueActResult> {
  return db.$transaction(async (tx) => {
    const payment = await tx.c2bPayment.findFirst({ where: { id: input.paymentId, shopDomain: shop } });
    if (!payment) return { ok: false, message: "That payment does not exist." };
    if (payment.status !== C2B_STATUS.UNMATCHED)
      return { ok: false, message: `Payment ${payment.receipt} is no longer waiting to be matched.` };
    if (payment.amountKes === null)
      return {
        ok: false,
        message: `KES ${payment.amountText} is not whole shillings: record it in Shopify by hand, then mark it "not an order payment".`,
      };
    const order = await tx.mpesaOrder.findUnique({
      where: { shopDomain_orderGid: { shopDomain: shop, orderGid: input.orderGid } },
    });
    if (!order) return { ok: false, message: "That order is not one of this shop's M-PESA orders." };
    const { count } = await tx.c2bPayment.updateMany({
      where: { id: payment.id, status: C2B_STATUS.UNMATCHED },
      data: {
        status: C2B_STATUS.MATCHED,
        matchRule: "manual",
        orderGid: order.orderGid,
        orderName: order.orderName,
        reason: null,
        reasonDetail: null,
        appliedKes: null,
      },
    });
    if (count === 0) return { ok: false, message: `Payment ${payment.receipt} was changed meanwhile.` };
    await tx.mpesaReceipt.upsert({
      where: { receipt: payment.receipt },
      create: {
        receipt: payment.receipt,
        shopDomain: shop,
        channel: "C2B",
        orderGid: order.orderGid,
        amountKes: payment.amountKes,
      },
      update: { orderGid: order.orderGid },
    });
    await tx.c2bAuditEntry.create({
      data: {
        paymentId: payment.id,
        shopDomain: shop,
        actor: actor.label,
        action: "apply",
        orderGid: order.orderGid,
        orderName: order.orderName,
        note: input.note?.trim().slice(0, 500) || null,
      },
    });
    await enqueueRecord(tx, payment);
    return { ok: true, message: `${payment.receipt} is being applied to ${order.orderName ?? order.orderGid}.` };
  });
}

/** "Not an order payment": leaves the queue with the merchant's note; nothing is written to Shopify. */
export async function dismissPayment(
  db: PrismaClient,
  shop: string,
  input: { paymentId: string; note: string },
  actor: Actor,
): Promise<QueueActResult> {
  const note = input.note.trim();
  if (!note) return { ok: false, message: "Say what the payment was for (a note is required)." };
  return db.$transaction(async (tx) => {
    const payment = await tx.c2bPayment.findFirst({ where: { id: input.paymentId, shopDomain: shop } });
    if (!payment) return { ok: false, message: "That payment does not exist." };
    const { count } = await tx.c2bPayment.updateMany({
      where: { id: payment.id, status: C2B_STATUS.UNMATCHED },
      data: { status: C2B_STATUS.DISMISSED, reason: "NOT_ORDER_PAYMENT", reasonDetail: note.slice(0, 500) },
    });
    if (count === 0) return { ok: false, message: `Payment ${payment.receipt} is no longer waiting to be matched.` };
    await tx.c2bAuditEntry.create({
      data: {
        paymentId: payment.id,
        shopDomain: shop,
        actor: actor.label,
        action: "dismiss",
        note: note.slice(0, 500),
      },
    });
    return { ok: true, message: `${payment.receipt} was marked "not an order payment".` };
  });
}

/** The audit label for the staff member of an admin request (user id from the session token's `sub`). */
export function actorFrom(input: {
  userId?: string | number | null;
  name?: string | null;
  email?: string | null;
}): Actor {
  const who = [input.name, input.email ? `<${input.email}>` : null].filter(Boolean).join(" ");
  const id = input.userId ? `staff user ${input.userId}` : "staff user (unknown id)";
  return { label: who ? `${who} (${id})` : id };
}
