import { logger } from "~/lib/logger.server";
import { adminRequest, type AdminGraphql } from "./admin-request";
import {
  METAFIELDS_SET_MUTATION,
  ORDER_CREATE_MANUAL_PAYMENT_MUTATION,
  ORDER_MARK_AS_PAID_MUTATION,
  PENDING_PAYMENT_KEY,
  RECEIPT_KEY,
  RECEIPT_NAMESPACE,
  SHOP_PLAN_QUERY,
  TAGS_ADD_MUTATION,
  TEST_PAYMENT_KEY,
} from "./documents";
import { ShopifyFinalError, ShopifyRetryableError, type ShopifyUserError } from "./errors";
import { getOrderForPayment, type PayableOrder } from "./order-for-payment";

export { getOrderForPayment, type PayableOrder } from "./order-for-payment";
export type { AdminGraphql } from "./admin-request";

// Records a confirmed M-PESA payment on the Shopify order. Safe to re-run after a crash at any step:
// the payment step is guarded by a fresh read of the order (paid? receipt already recorded? pending
// marker of this receipt and a lower balance?), the metafield/tag steps are upserts.

export interface RecordPaymentInput {
  orderGid: string;
  amountKes: number;
  receipt: string;
  paymentMethodName: string;
  processedAt: Date | string;
  /** Daraja sandbox money (no real shillings moved): tagged TEST_TAG, with this note in a metafield. */
  testPaymentNote?: string;
}

export interface RecordPaymentResult {
  outcome: "marked_paid" | "manual_payment" | "already_paid";
  /** Set when the order already carried a different M-PESA receipt (possible double payment: review). */
  existingReceipt?: string;
}

export const PAID_TAG = "mpesa-paid";
/** Orders paid with Daraja sandbox (test) money carry this tag and the $app:mpesa.test_payment note. */
export const TEST_TAG = "mpesa-test";
export const receiptTag = (receipt: string) => `mpesa:${receipt}`;

type UserErrors = { userErrors: ShopifyUserError[] };

export async function recordMpesaPayment(
  graphql: AdminGraphql,
  input: RecordPaymentInput,
): Promise<RecordPaymentResult> {
  const { orderGid, receipt } = input;
  const order = await requireOrder(graphql, orderGid);

  const landed = paymentLanded(order, receipt);
  if (landed || order.receiptMetafield === receipt || order.tags.includes(receiptTag(receipt))) {
    // A later receipt may have replaced this one in the metafield since: only a landed marker says ours is the latest.
    await recordReceipt(graphql, order, input, landed || !order.receiptMetafield);
    return { outcome: "already_paid" };
  }
  if (order.isCancelled) throw new ShopifyFinalError("ORDER_CANCELLED", `Order ${order.name} is cancelled`);
  if (order.isFullyPaid) return alreadyPaid(graphql, order, input);

  const { outcome, userErrors } = await pay(graphql, order, input);
  if (outcome === "already_paid") return alreadyPaid(graphql, order, input);
  if (userErrors.length) {
    // Shopify refuses a second payment with a userError whose wording is not documented: trust the
    // order's state, not the message. Paid now (a concurrent run, the merchant) -> already paid.
    const fresh = await requireOrder(graphql, orderGid);
    if (fresh.isFullyPaid) return alreadyPaid(graphql, fresh, input);
    if (userErrors.some((e) => e.code === "ORDER_IS_TEMPORARILY_UNAVAILABLE")) {
      throw new ShopifyRetryableError(`Order ${order.name} is temporarily unavailable`);
    }
    throw new ShopifyFinalError(
      "USER_ERRORS",
      `Shopify refused the payment on ${order.name}: ${userErrors.map((e) => e.message).join("; ")}`,
      { userErrors },
    );
  }
  await recordReceipt(graphql, order, input, true);
  logger.info({ orderGid, outcome, amountKes: input.amountKes }, "M-PESA payment recorded on the Shopify order");
  return { outcome };
}

async function requireOrder(graphql: AdminGraphql, orderGid: string): Promise<PayableOrder> {
  const order = await getOrderForPayment(graphql, orderGid);
  if (!order) throw new ShopifyFinalError("ORDER_NOT_FOUND", `Order ${orderGid} not found`);
  return order;
}

/** The payment mutation itself: mark as paid when the money covers the balance, else a manual payment. */
async function pay(
  graphql: AdminGraphql,
  order: PayableOrder,
  input: RecordPaymentInput,
): Promise<{ outcome: "marked_paid" | "manual_payment" | "already_paid"; userErrors: ShopifyUserError[] }> {
  // In KES (shop money when the buyer saw another currency); outstandingKes is already rounded up.
  const covers = order.outstandingKes !== null && input.amountKes >= order.outstandingKes;
  if (covers && order.canMarkAsPaid) {
    const data = await adminRequest<{ orderMarkAsPaid: UserErrors }>(graphql, ORDER_MARK_AS_PAID_MUTATION, {
      input: { id: order.id },
    });
    return { outcome: "marked_paid", userErrors: data.orderMarkAsPaid.userErrors };
  }
  if (order.currency !== "KES") {
    throw new ShopifyFinalError(
      "NOT_KES",
      `Order ${order.name} is in ${order.currency}; a KES payment cannot be recorded against it`,
    );
  }
  // A partial payment leaves the order unpaid, so the paid status cannot guard a re-run: leave a marker
  // with the balance first. A re-run that sees this marker and a lower balance knows the payment landed.
  await setMetafields(graphql, order, [
    { key: PENDING_PAYMENT_KEY, value: `${input.receipt}|${order.outstandingCents}` },
  ]);
  const cents = Math.min(input.amountKes * 100, order.outstandingCents);
  // Immediately before writing: does the order already hold this receipt's payment (another run, a
  // hung call that landed late)? Then writing again would record the money twice (issue M7).
  const fresh = await requireOrder(graphql, order.id);
  if (holdsPayment(fresh, input, cents)) return { outcome: "already_paid", userErrors: [] };
  const data = await adminRequest<{ orderCreateManualPayment: UserErrors }>(
    graphql,
    ORDER_CREATE_MANUAL_PAYMENT_MUTATION,
    {
      id: order.id,
      amount: { amount: (cents / 100).toFixed(2), currencyCode: order.currency },
      paymentMethodName: input.paymentMethodName,
      processedAt: new Date(input.processedAt).toISOString(),
    },
  );
  return { outcome: "manual_payment", userErrors: data.orderCreateManualPayment.userErrors };
}

/**
 * A manual payment carries no receipt, so it is recognised by what we wrote: the method name, the
 * amount and the M-PESA transaction time (processedAt, to the second). Also true when a later
 * marker than ours shows the balance dropped for this receipt.
 */
function holdsPayment(order: PayableOrder, input: RecordPaymentInput, cents: number): boolean {
  const at = Math.floor(new Date(input.processedAt).getTime() / 1000);
  return order.transactions.some(
    (t) =>
      t.kind === "SALE" &&
      t.status === "SUCCESS" &&
      t.gateway === input.paymentMethodName &&
      Math.round(Number(t.amount) * 100) === cents &&
      t.processedAt !== null &&
      Math.floor(Date.parse(t.processedAt) / 1000) === at,
  );
}

/** Whether the shop is a development store (Admin `shop.plan.partnerDevelopment`). */
export async function isDevelopmentStore(graphql: AdminGraphql): Promise<boolean> {
  const data = await adminRequest<{ shop: { plan: { partnerDevelopment: boolean } } }>(graphql, SHOP_PLAN_QUERY, {});
  return data.shop.plan.partnerDevelopment === true;
}

function paymentLanded(order: PayableOrder, receipt: string): boolean {
  const [markerReceipt, before] = (order.pendingPaymentMarker ?? "").split("|");
  return markerReceipt === receipt && Number(before) > order.outstandingCents;
}

/** Paid before this receipt was recorded: by a crashed earlier run, the merchant, or another payment. */
async function alreadyPaid(
  graphql: AdminGraphql,
  order: PayableOrder,
  input: RecordPaymentInput,
): Promise<RecordPaymentResult> {
  const { receipt } = input;
  const existing = order.receiptMetafield;
  await recordReceipt(graphql, order, input, !existing);
  if (existing && existing !== receipt) {
    logger.warn(
      { orderGid: order.id },
      "Order was already paid with another M-PESA receipt: review for a double payment",
    );
    return { outcome: "already_paid", existingReceipt: existing };
  }
  return { outcome: "already_paid" };
}

/**
 * Receipt metafield + tags, writing only what is missing. The metafield holds the latest receipt, so it
 * is replaced only when `latest` says this receipt is it. userErrors here are logged, not thrown: the
 * money is recorded by then, and failing the payment job over a tag would be worse than a missing tag.
 */
async function recordReceipt(graphql: AdminGraphql, order: PayableOrder, input: RecordPaymentInput, latest: boolean) {
  const { receipt, testPaymentNote } = input;
  const fields = [
    ...(latest && order.receiptMetafield !== receipt ? [{ key: RECEIPT_KEY, value: receipt }] : []),
    ...(testPaymentNote ? [{ key: TEST_PAYMENT_KEY, value: testPaymentNote }] : []),
  ];
  if (fields.length) await setMetafields(graphql, order, fields);
  const missing = [PAID_TAG, receiptTag(receipt), ...(testPaymentNote ? [TEST_TAG] : [])].filter(
    (t) => !order.tags.includes(t),
  );
  if (missing.length) {
    const data = await adminRequest<{ tagsAdd: UserErrors }>(graphql, TAGS_ADD_MUTATION, {
      id: order.id,
      tags: missing,
    });
    if (data.tagsAdd.userErrors.length)
      logger.warn({ orderGid: order.id, userErrors: data.tagsAdd.userErrors }, "tagsAdd refused");
  }
}

async function setMetafields(graphql: AdminGraphql, order: PayableOrder, fields: { key: string; value: string }[]) {
  const data = await adminRequest<{ metafieldsSet: UserErrors }>(graphql, METAFIELDS_SET_MUTATION, {
    metafields: fields.map((f) => ({
      ownerId: order.id,
      namespace: RECEIPT_NAMESPACE,
      key: f.key,
      type: "single_line_text_field",
      value: f.value,
    })),
  });
  if (data.metafieldsSet.userErrors.length)
    logger.warn({ orderGid: order.id, userErrors: data.metafieldsSet.userErrors }, "metafieldsSet refused");
}
