import type { C2bPayment } from "@prisma/client";
import { enqueuePaymentReceived } from "../flow/fire.server";
import { AppError, kindOf, ShopNotConfiguredError } from "../../lib/errors";
import { logger } from "../../lib/logger.server";
import { RetryLaterError } from "../jobs/handlers";
import type { RecordDeps } from "../payments/record-in-shopify.server";
import { SANDBOX_NOTE } from "../payments/record-in-shopify.server";
import {
  claimBusyRetryMs,
  claimReceiptWrite,
  receiptRecorded,
  releaseReceiptClaim,
} from "../payments/receipt-claims.server";
import { ShopifyFinalError } from "../shopify/errors";
import { getOrderForPayment, isDevelopmentStore, receiptTag, recordMpesaPayment } from "../shopify/orders.server";
import { C2B_STATUS } from "./ledger.server";
import { applicationFor } from "./matching";

// Job `record-c2b-payment`: write one MATCHED paybill/till payment onto its Shopify order, through the
// same write as the STK prompt (shopify/orders.server.ts recordMpesaPayment: receipt metafield and
// tags, a partial payment guarded by its marker) and the same per-receipt claim (receipt-claims).
//   amount = outstanding -> paid;  less -> a manual payment of that amount (partially paid, they
//   accumulate);  more -> paid, and the surplus flagged on the payment (OVERPAID) for a refund.
// What the order turns out to be when read fresh (cancelled, paid by something else, not KES, gone)
// sends the payment back to the unmatched queue with the reason: nothing is ever forced onto an order.

export async function recordC2bPayment(deps: RecordDeps, paymentId: string): Promise<void> {
  const payment = await deps.db.c2bPayment.findUnique({ where: { id: paymentId } });
  if (!payment || payment.status !== C2B_STATUS.MATCHED || !payment.orderGid || payment.amountKes === null) return;
  const amountKes = payment.amountKes;
  const log = logger.child({ paymentId, shop: payment.shopDomain, receipt: payment.receipt });
  const settings = await deps.shopPaymentSettings(payment.shopDomain);
  if (!settings) throw new ShopNotConfiguredError(payment.shopDomain, "has no settings (uninstalled?)");
  const graphql = await deps.adminGraphql(payment.shopDomain);

  const sandboxMoney = settings.environment !== "production";
  if (sandboxMoney && !settings.allowSandboxOnLiveStore && !(await isDevelopmentStore(graphql)))
    return backToQueue(deps, payment, "SANDBOX_ON_LIVE_STORE", "Daraja sandbox money on a live store: not recorded");

  const order = await getOrderForPayment(graphql, payment.orderGid);
  if (!order) return backToQueue(deps, payment, "ORDER_NOT_FOUND", "Shopify does not know this order");
  const onOrder = order.receiptMetafield === payment.receipt || order.tags.includes(receiptTag(payment.receipt));
  // A write of ours may have landed before a crash (appliedKes is set just before writing).
  const interrupted = payment.appliedKes !== null;
  if (!onOrder && !interrupted) {
    if (order.isCancelled) return backToQueue(deps, payment, "ORDER_CANCELLED", `order ${order.name} is cancelled`);
    if (order.isFullyPaid)
      return backToQueue(deps, payment, "ORDER_ALREADY_PAID", `order ${order.name} has nothing left to pay`);
    if (order.outstandingKes === null || order.currency !== "KES")
      return backToQueue(deps, payment, "ORDER_NOT_KES", `order ${order.name} is in ${order.currency}, not KES`);
  }
  const application =
    order.outstandingKes && order.outstandingKes > 0
      ? applicationFor(amountKes, order.outstandingKes)
      : { kind: "exact" as const, applyKes: payment.appliedKes ?? amountKes };

  const claim = await claimReceiptWrite(deps.db, payment.receipt, deps.now(), deps.config.recordClaimMs);
  if (!claim.claimed) {
    if (claim.recorded) return markApplied(deps, payment, payment.appliedKes ?? application.applyKes, null, order);
    if (claim.missing) throw new AppError(`receipt ${payment.receipt} has no ledger row`, { kind: "final" });
    throw new RetryLaterError(
      `receipt ${payment.receipt} is being recorded by another run`,
      claimBusyRetryMs(deps.config.recordClaimMs),
    );
  }
  if (!interrupted)
    await deps.db.c2bPayment.update({ where: { id: payment.id }, data: { appliedKes: application.applyKes } });
  let result;
  try {
    result = await recordMpesaPayment(graphql, {
      orderGid: payment.orderGid,
      amountKes: application.kind === "over" ? amountKes : application.applyKes,
      receipt: payment.receipt,
      paymentMethodName: settings.paymentMethodName,
      processedAt: payment.transTime,
      ...(sandboxMoney ? { testPaymentNote: SANDBOX_NOTE } : {}),
    });
  } catch (error) {
    if (kindOf(error) !== "unknown-outcome") await releaseReceiptClaim(deps.db, payment.receipt, claim.token);
    if (
      error instanceof ShopifyFinalError &&
      ["ORDER_CANCELLED", "NOT_KES", "USER_ERRORS", "ORDER_NOT_FOUND"].includes(error.code)
    ) {
      await deps.db.c2bPayment.update({ where: { id: payment.id }, data: { appliedKes: null } });
      return backToQueue(deps, payment, `SHOPIFY_${error.code}`, error.message);
    }
    throw error;
  }
  log.info({ outcome: result.outcome, application: application.kind }, "C2B payment recorded in Shopify");
  await receiptRecorded(deps.db, payment.receipt, claim.token, deps.now());
  await markApplied(
    deps,
    payment,
    application.applyKes,
    application.kind === "over" ? application.surplusKes : null,
    order,
    application.kind === "partial" ? application.remainingKes : 0,
  );
}

async function markApplied(
  deps: RecordDeps,
  payment: C2bPayment,
  appliedKes: number,
  surplusKes: number | null,
  order: { id: string; name: string },
  remainingKes?: number,
) {
  const now = deps.now();
  await deps.db.$transaction(async (tx) => {
    const { count } = await tx.c2bPayment.updateMany({
      where: { id: payment.id, status: C2B_STATUS.MATCHED },
      data: {
        status: C2B_STATUS.APPLIED,
        appliedKes,
        surplusKes,
        orderName: order.name,
        recordedAt: now,
        ...(surplusKes
          ? {
              reason: "OVERPAID",
              reasonDetail: `paid KES ${payment.amountKes}, KES ${surplusKes} more than the order needed: refund the surplus`,
            }
          : {}),
      },
    });
    if (count === 0) return;
    await enqueuePaymentReceived(tx, payment.shopDomain, {
      orderGid: order.id,
      receipt: payment.receipt,
      amountKes: payment.amountKes ?? appliedKes,
      channel: "C2B",
      phoneMasked: null,
    });
    if (remainingKes === undefined) return;
    await tx.mpesaOrder.updateMany({
      where: { shopDomain: payment.shopDomain, orderGid: order.id },
      data: remainingKes > 0 ? { outstandingKes: remainingKes } : { outstandingKes: 0, paidAt: now },
    });
  });
  if (surplusKes) logger.warn({ paymentId: payment.id, surplusKes }, "C2B over-payment: surplus flagged for a refund");
}

/** The order cannot take this payment after all: back to the merchant's queue, with the reason. */
async function backToQueue(deps: RecordDeps, payment: C2bPayment, reason: string, detail: string) {
  await deps.db.$transaction(async (tx) => {
    await tx.c2bPayment.updateMany({
      where: { id: payment.id, status: C2B_STATUS.MATCHED },
      data: { status: C2B_STATUS.UNMATCHED, reason, reasonDetail: detail.slice(0, 500) },
    });
    await tx.mpesaReceipt.updateMany({
      where: { receipt: payment.receipt, shopifyRecordedAt: null },
      data: { orderGid: null },
    });
  });
  logger.warn({ paymentId: payment.id, reason }, "C2B payment could not be applied to its order: unmatched queue");
}
