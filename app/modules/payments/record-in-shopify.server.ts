import { logger } from "../../lib/logger.server";
import { PermanentJobError, RetryLaterError } from "../jobs/handlers";
import { recordMpesaPayment } from "../shopify/orders.server";
import { ShopifyFinalError, ShopifyRetryableError } from "../shopify/errors";
import type { PaymentsDeps } from "./deps.server";

// Job `record-payment-in-shopify` (enqueued with the SUCCEEDED transition): mark the order paid with
// the receipt. Retried with backoff while Shopify is throttling or down (Shopify's own delay, when it
// names one, is honoured); "already paid" counts as done, so a re-run after a crash is harmless.

export async function recordPaymentInShopify(deps: PaymentsDeps, attemptId: string): Promise<void> {
  const attempt = await deps.db.paymentAttempt.findUnique({ where: { id: attemptId } });
  if (!attempt || attempt.recordedInShopifyAt || attempt.status !== "SUCCEEDED" || !attempt.mpesaReceipt) return;
  const config = await deps.shopConfig(attempt.shopDomain);
  if (!config) throw new PermanentJobError(`shop ${attempt.shopDomain} has no settings (uninstalled?)`);
  const log = logger.child({ attemptId, shop: attempt.shopDomain });
  try {
    const result = await recordMpesaPayment(await deps.adminGraphql(attempt.shopDomain), {
      orderGid: attempt.orderGid,
      amountKes: attempt.amountKes,
      receipt: attempt.mpesaReceipt,
      paymentMethodName: config.paymentMethodName,
      processedAt: attempt.transactionDate ?? attempt.completedAt ?? deps.now(),
    });
    if (result.existingReceipt && result.existingReceipt !== attempt.mpesaReceipt) {
      log.error({ existingReceipt: result.existingReceipt }, "order already carried another M-PESA receipt: check for a double payment");
    }
    log.info({ outcome: result.outcome }, "payment recorded in Shopify");
  } catch (error) {
    if (error instanceof ShopifyRetryableError) {
      if (error.retryAfterMs !== null) throw new RetryLaterError(error.message, error.retryAfterMs);
      throw error; // the worker's backoff
    }
    if (error instanceof ShopifyFinalError) {
      log.error({ code: error.code, err: error.message }, "Shopify refused to record the payment");
      throw new PermanentJobError(`${error.code}: ${error.message}`);
    }
    throw error;
  }
  const now = deps.now();
  await deps.db.paymentAttempt.updateMany({ where: { id: attemptId, recordedInShopifyAt: null }, data: { recordedInShopifyAt: now } });
  await deps.db.mpesaOrder.updateMany({
    where: { shopDomain: attempt.shopDomain, orderGid: attempt.orderGid, paidAt: null },
    data: { paidAt: now },
  });
}
