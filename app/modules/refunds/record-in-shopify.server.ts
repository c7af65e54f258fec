import { ShopNotConfiguredError } from "../../lib/errors";
import { logger } from "../../lib/logger.server";
import { adminRequest } from "../shopify/admin-request";
import { TAGS_ADD_MUTATION } from "../shopify/documents";
import { ShopifyFinalError, type ShopifyUserError } from "../shopify/errors";
import type { RefundsDeps } from "./deps.server";
import { APP_REFUND_NOTE_PREFIX, RECORD_MPESA_REFUND_MUTATION, REFUND_CONTEXT_QUERY } from "./documents";
import { applyRefundEvent } from "./repository.server";

// Job `record-refund-in-shopify`: the app moved the money first (a refund started in the app), so
// Shopify learns of it only now, after M-PESA's success: refundCreate with @idempotent(key:)
// derived from the M-PESA transaction — a re-run after a crash or a time-out returns the refund
// already made instead of making a second one — and notify: true, because the money did go out.

type Tx = { id: string; kind: string; status: string; gateway: string; manualPaymentGateway: boolean };

export async function recordRefundInShopify(deps: RefundsDeps, refundId: string): Promise<void> {
  const refund = await deps.db.mpesaRefund.findUnique({ where: { id: refundId } });
  if (!refund || refund.state !== "SUCCEEDED" || refund.initiatedBy !== "ADMIN_ACTION") return;
  const settings = await deps.shopPaymentSettings(refund.shopDomain);
  if (!settings) throw new ShopNotConfiguredError(refund.shopDomain, "has no settings (uninstalled?)");
  const graphql = await deps.adminGraphql(refund.shopDomain);
  const context = await adminRequest<{ order: { id: string; transactions: Tx[] } | null }>(
    graphql,
    REFUND_CONTEXT_QUERY,
    { id: refund.orderGid },
  );
  if (!context.order) throw new ShopifyFinalError("ORDER_NOT_FOUND", `Order ${refund.orderGid} not found`);
  const sales = context.order.transactions.filter((t) => t.kind === "SALE" && t.status === "SUCCESS");
  const method = settings.paymentMethodName.toLowerCase();
  const parent =
    sales.find((t) => t.id === refund.parentTransactionGid) ??
    sales.find((t) => t.gateway.toLowerCase() === method) ??
    sales.find((t) => t.manualPaymentGateway);
  if (!parent)
    throw new ShopifyFinalError("NO_SALE", `Order ${refund.orderGid} has no M-PESA payment to refund against`);

  const moneyId = refund.mpesaTransactionId ?? refund.id;
  const data = await adminRequest<{
    refundCreate: { refund: { id: string } | null; userErrors: ShopifyUserError[] };
  }>(graphql, RECORD_MPESA_REFUND_MUTATION, {
    key: `mpesa-refund:${moneyId}`,
    input: {
      orderId: refund.orderGid,
      note: `${APP_REFUND_NOTE_PREFIX} ${refund.method} ${moneyId} (M-PESA receipt ${refund.receipt})`,
      notify: true, // only reached after M-PESA's success: the money went out
      transactions: [
        {
          orderId: refund.orderGid,
          kind: "REFUND",
          gateway: parent.gateway,
          amount: refund.amountKes.toFixed(2),
          parentId: parent.id,
        },
      ],
    },
  });
  const { userErrors } = data.refundCreate;
  if (userErrors.length || !data.refundCreate.refund) {
    throw new ShopifyFinalError(
      "USER_ERRORS",
      `Shopify refused the refund on ${refund.orderGid}: ${userErrors.map((e) => e.message).join("; ")}`,
      { userErrors },
    );
  }
  await applyRefundEvent(deps, refund.id, {
    type: "shopify-recorded",
    refundGid: data.refundCreate.refund.id,
    at: deps.now(),
  });
  logger.info({ refundId, shopifyRefund: data.refundCreate.refund.id }, "refund recorded in Shopify");
}

/** The tag a refund's M-PESA transaction id is written as on its order (searchable in the admin). */
export const refundTag = (mpesaTransactionId: string) => `mpesa-refund:${mpesaTransactionId}`;

// Job `note-refund-on-order`: a refund the merchant made in the Shopify admin (refunds/create) has
// gone out through M-PESA. Shopify already has the refund, so no refundCreate: the order gets M-PESA's
// transaction id as a tag, next to the payment's `mpesa:<receipt>` — tagsAdd is idempotent, so a
// re-run after a crash adds nothing.
export async function noteRefundOnOrder(deps: RefundsDeps, refundId: string): Promise<void> {
  const refund = await deps.db.mpesaRefund.findUnique({ where: { id: refundId } });
  if (!refund || refund.state !== "SUCCEEDED" || refund.initiatedBy !== "WEBHOOK" || !refund.mpesaTransactionId) return;
  const graphql = await deps.adminGraphql(refund.shopDomain);
  const data = await adminRequest<{ tagsAdd: { userErrors: ShopifyUserError[] } }>(graphql, TAGS_ADD_MUTATION, {
    id: refund.orderGid,
    tags: [refundTag(refund.mpesaTransactionId)],
  });
  if (data.tagsAdd.userErrors.length)
    throw new ShopifyFinalError(
      "USER_ERRORS",
      `Shopify refused the refund's tag on ${refund.orderGid}: ${data.tagsAdd.userErrors.map((e) => e.message).join("; ")}`,
      { userErrors: data.tagsAdd.userErrors },
    );
  logger.info(
    { refundId, mpesaTransactionId: refund.mpesaTransactionId },
    "refund's M-PESA transaction id on the order",
  );
}
