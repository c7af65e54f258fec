import { logger } from "~/lib/logger.server";
import { adminRequest, type AdminGraphql } from "./admin-request";
import {
  METAFIELDS_SET_MUTATION,
  ORDER_CREATE_MANUAL_PAYMENT_MUTATION,
  ORDER_MARK_AS_PAID_MUTATION,
  PENDING_PAYMENT_KEY,
  PENDING_RECEIPT,
  RECEIPT_KEY,
  REFERENCE_KEY,
  RECEIPT_NAMESPACE,
  SHOP_PLAN_QUERY,
  TAGS_ADD_MUTATION,
  TAGS_REMOVE_MUTATION,
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
  /** The M-PESA receipt, or PENDING_RECEIPT ("pending") with `checkoutRequestId` (paid per STK query). */
  receipt: string;
  /** The STK prompt's CheckoutRequestID: the reference of a receipt-pending payment (and how a later
   * write with the real receipt recognises that payment as already on the order). */
  checkoutRequestId?: string | null;
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
/** On orders recorded paid while the receipt is not known yet (removed when it is attached). */
export const RECEIPT_PENDING_TAG = "mpesa-receipt-pending";
export { PENDING_RECEIPT } from "./documents";

/** The key of this payment's own markers: the receipt, or for a receipt-pending payment its CheckoutRequestID. */
function markerKey(input: Pick<RecordPaymentInput, "receipt" | "checkoutRequestId">): string {
  if (input.receipt !== PENDING_RECEIPT) return input.receipt;
  if (!input.checkoutRequestId) throw new Error("a receipt-pending payment needs its CheckoutRequestID");
  return input.checkoutRequestId;
}

/** Whether this payment (by receipt, or by the CheckoutRequestID it was first recorded under) is on the order. */
function ours(order: PayableOrder, input: RecordPaymentInput): boolean {
  const { receipt, checkoutRequestId } = input;
  if (paymentLanded(order, markerKey(input))) return true;
  if (checkoutRequestId && paymentLanded(order, checkoutRequestId)) return true;
  if (checkoutRequestId && order.referenceMetafield === checkoutRequestId) return true;
  return (
    receipt !== PENDING_RECEIPT && (order.receiptMetafield === receipt || order.tags.includes(receiptTag(receipt)))
  );
}

type UserErrors = { userErrors: ShopifyUserError[] };

export async function recordMpesaPayment(
  graphql: AdminGraphql,
  input: RecordPaymentInput,
): Promise<RecordPaymentResult> {
  const { orderGid } = input;
  const order = await requireOrder(graphql, orderGid);

  const landed = paymentLanded(order, markerKey(input));
  if (ours(order, input)) {
    // A later receipt may have replaced this one in the metafield since: only a landed marker says ours is the latest.
    await recordReceipt(
      graphql,
      order,
      input,
      landed || !realReceiptOn(order) || order.referenceMetafield === input.checkoutRequestId,
    );
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
    { key: PENDING_PAYMENT_KEY, value: `${markerKey(input)}|${order.outstandingCents}` },
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
  const existing = realReceiptOn(order);
  await recordReceipt(graphql, order, input, !existing);
  if (existing && existing !== receipt && receipt !== PENDING_RECEIPT) {
    logger.warn(
      { orderGid: order.id },
      "Order was already paid with another M-PESA receipt: review for a double payment",
    );
    return { outcome: "already_paid", existingReceipt: existing };
  }
  return { outcome: "already_paid" };
}

/** The order's receipt metafield unless it is the "pending" placeholder. */
function realReceiptOn(order: PayableOrder): string | null {
  return order.receiptMetafield && order.receiptMetafield !== PENDING_RECEIPT ? order.receiptMetafield : null;
}

/**
 * Receipt metafield + tags, writing only what is missing. The metafield holds the latest receipt, so it
 * is replaced only when `latest` says this receipt is it ("pending" always gives way to a real receipt).
 * A receipt-pending payment writes receipt "pending", its reference (the CheckoutRequestID) and the tag
 * RECEIPT_PENDING_TAG; the real receipt, once known, replaces "pending" and removes that tag.
 * userErrors here are logged, not thrown: the money is recorded by then, and failing the payment job over a
 * tag would be worse than a missing tag.
 */
async function recordReceipt(graphql: AdminGraphql, order: PayableOrder, input: RecordPaymentInput, latest: boolean) {
  const { receipt, testPaymentNote, checkoutRequestId } = input;
  const pending = receipt === PENDING_RECEIPT;
  const replaceable = !order.receiptMetafield || (order.receiptMetafield === PENDING_RECEIPT && !pending);
  const fields = [
    ...((latest || replaceable) && order.receiptMetafield !== receipt && (!pending || !order.receiptMetafield)
      ? [{ key: RECEIPT_KEY, value: receipt }]
      : []),
    ...(pending && checkoutRequestId && order.referenceMetafield !== checkoutRequestId
      ? [{ key: REFERENCE_KEY, value: checkoutRequestId }]
      : []),
    ...(testPaymentNote ? [{ key: TEST_PAYMENT_KEY, value: testPaymentNote }] : []),
  ];
  if (fields.length) await setMetafields(graphql, order, fields);
  const wanted = [
    PAID_TAG,
    pending ? RECEIPT_PENDING_TAG : receiptTag(receipt),
    ...(testPaymentNote ? [TEST_TAG] : []),
  ];
  const missing = wanted.filter((t) => !order.tags.includes(t));
  if (missing.length) {
    const data = await adminRequest<{ tagsAdd: UserErrors }>(graphql, TAGS_ADD_MUTATION, {
      id: order.id,
      tags: missing,
    });
    if (data.tagsAdd.userErrors.length)
      logger.warn({ orderGid: order.id, userErrors: data.tagsAdd.userErrors }, "tagsAdd refused");
  }
  // The receipt of the pending payment is known now: the order no longer waits for it.
  if (
    !pending &&
    order.tags.includes(RECEIPT_PENDING_TAG) &&
    (!checkoutRequestId || order.referenceMetafield === checkoutRequestId)
  ) {
    const data = await adminRequest<{ tagsRemove: UserErrors }>(graphql, TAGS_REMOVE_MUTATION, {
      id: order.id,
      tags: [RECEIPT_PENDING_TAG],
    });
    if (data.tagsRemove.userErrors.length)
      logger.warn({ orderGid: order.id, userErrors: data.tagsRemove.userErrors }, "tagsRemove refused");
  }
}

export interface AttachReceiptInput {
  orderGid: string;
  receipt: string;
  checkoutRequestId: string;
  testPaymentNote?: string;
}

/**
 * The receipt of a payment recorded earlier with receipt "pending" is known: write it onto the order
 * (receipt metafield, receipt tag, the pending tag removed). Never records a payment: the money is on
 * the order already. Writes only what is missing, so a re-run writes nothing.
 */
export async function attachMpesaReceipt(
  graphql: AdminGraphql,
  input: AttachReceiptInput,
): Promise<{ writes: boolean }> {
  const order = await requireOrder(graphql, input.orderGid);
  const existing = realReceiptOn(order);
  const input2: RecordPaymentInput = {
    orderGid: input.orderGid,
    amountKes: 0,
    receipt: input.receipt,
    checkoutRequestId: input.checkoutRequestId,
    paymentMethodName: "",
    processedAt: new Date(),
    ...(input.testPaymentNote ? { testPaymentNote: input.testPaymentNote } : {}),
  };
  const done =
    order.receiptMetafield === input.receipt &&
    order.tags.includes(receiptTag(input.receipt)) &&
    !order.tags.includes(RECEIPT_PENDING_TAG);
  if (done) return { writes: false };
  await recordReceipt(graphql, order, input2, !existing || order.referenceMetafield === input.checkoutRequestId);
  return { writes: true };
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
