import { z } from "zod";
import { env } from "../../lib/env.server";
import { logger } from "../../lib/logger.server";
import { APP_REFUND_NOTE_PREFIX } from "../refunds/documents";
import { wholeShillings } from "../refunds/method";
import { findRefundAccount } from "../refunds/refund-account.server";
import { approveCreatedIn } from "../refunds/repository.server";
import { requestRefundIn } from "../refunds/request.server";
import { applyOnce } from "./delivery.server";
import { DEFAULT_PAYMENT_METHOD_NAME } from "./orders-create.server";
import type { Db, VerifiedWebhook, WebhookOutcome } from "./types";

// refunds/create (docs/REFUNDS.md): a refund in the Shopify admin on a manual gateway moves no
// money. For the M-PESA part of it, linked to the receipt(s) that paid the order, this creates
// PENDING_APPROVAL refunds — nothing moves on the webhook alone (it is at-least-once and may come
// hours late); the merchant approves. Applied at most once per delivery (applyOnce) and once per
// Shopify refund, transaction and receipt (MpesaRefund.sourceKey), whatever the delivery id.

const Transaction = z.object({
  id: z.union([z.number(), z.string()]),
  kind: z.string(),
  status: z.string().nullish(),
  gateway: z.string().nullish(),
  amount: z.union([z.string(), z.number()]),
  parent_id: z.union([z.number(), z.string()]).nullish(),
  manual_payment_gateway: z.boolean().nullish(),
});
const RefundPayload = z.object({
  id: z.union([z.number(), z.string()]),
  order_id: z.union([z.number(), z.string()]),
  note: z.string().nullish(),
  admin_graphql_api_id: z.string().nullish(),
  transactions: z.array(Transaction).default([]),
});

export async function handleRefundCreated(db: Db, webhook: VerifiedWebhook): Promise<WebhookOutcome> {
  const parsed = RefundPayload.safeParse(webhook.payload);
  if (!parsed.success) return { status: "rejected", reason: "refund payload has no id or order_id" };
  const refund = parsed.data;
  const shop = webhook.shop;
  const refundGid = refund.admin_graphql_api_id ?? `gid://shopify/Refund/${refund.id}`;
  const orderGid = `gid://shopify/Order/${refund.order_id}`;
  const config = env();
  const deps = { now: () => new Date(), config: { reversalWindowMs: config.REFUND_REVERSAL_WINDOW_HOURS * 3600_000 } };
  // Read outside the transaction: whether the shop can send refunds at all (else: pay back by hand).
  const hasAccount = !!(await findRefundAccount(db, shop));

  return applyOnce(db, webhook, async (tx) => {
    if (refund.note?.startsWith(APP_REFUND_NOTE_PREFIX))
      return { status: "ignored", reason: "the app's own refund (money already sent)" };
    if (
      await tx.mpesaRefund.findFirst({
        where: { shopDomain: shop, shopifyRefundGid: refundGid, initiatedBy: "ADMIN_ACTION" },
      })
    )
      return { status: "ignored", reason: "the app's own refund (money already sent)" };
    const settings = await tx.shopSettings.findUnique({
      where: { shopDomain: shop },
      select: { paymentMethodName: true, refundAutoApproveMaxKes: true },
    });
    const autoApproveMax = settings?.refundAutoApproveMaxKes ?? null;
    const method = (settings?.paymentMethodName || DEFAULT_PAYMENT_METHOD_NAME).toLowerCase();
    const mpesa = refund.transactions.filter(
      (t) =>
        t.kind.toLowerCase() === "refund" &&
        (t.status ?? "success").toLowerCase() === "success" &&
        (t.manual_payment_gateway === true || (t.gateway ?? "").toLowerCase() === method),
    );
    if (mpesa.length === 0) return { status: "ignored", reason: "no M-PESA money in this refund" };

    const receipts = await tx.mpesaReceipt.findMany({
      where: { shopDomain: shop, orderGid },
      orderBy: { createdAt: "asc" },
    });
    if (receipts.length === 0) {
      logger.warn(
        { shop, orderGid, refund: refundGid },
        "refund of an M-PESA order without a linked receipt: manual handling",
      );
      return { status: "applied", detail: { orderGid, manual: "no linked receipt" } };
    }
    // The rule compares the whole M-PESA part of this Shopify refund, however it splits over receipts.
    const refundKes = mpesa.reduce((sum, t) => sum + wholeShillings(t.amount), 0);
    const autoApprove = autoApproveMax !== null && refundKes <= autoApproveMax;
    // Split across the receipts that paid the order, oldest first, each up to what it still holds.
    const created: string[] = [];
    let unplaced = 0;
    for (const t of mpesa) {
      let left = wholeShillings(t.amount);
      for (const r of receipts) {
        if (left <= 0) break;
        const fresh = await tx.mpesaReceipt.findUniqueOrThrow({ where: { receipt: r.receipt } });
        const portion = Math.min(left, fresh.amountKes - fresh.refundedKes);
        if (portion <= 0) continue;
        const made = await requestRefundIn(
          deps,
          tx,
          {
            shopDomain: shop,
            receipt: r.receipt,
            amountKes: portion,
            initiatedBy: "WEBHOOK",
            sourceKey: `shopify:${refund.id}:${t.id}:${r.receipt}`,
            shopifyRefundGid: refundGid,
            parentTransactionGid: t.parent_id ? `gid://shopify/OrderTransaction/${t.parent_id}` : null,
          },
          hasAccount,
        );
        if (made.created) {
          created.push(made.refund.id);
          // The shop's rule: refunds up to KES X are approved as they are created (never a MANUAL one).
          if (autoApprove)
            await approveCreatedIn(tx, made.refund, `auto-approved (up to KES ${autoApproveMax})`, deps.now());
        }
        if (made.created || made.reason === "duplicate") left -= made.created ? portion : made.refund.amountKes;
      }
      unplaced += Math.max(0, left);
    }
    if (unplaced > 0)
      logger.warn({ shop, orderGid, unplacedKes: unplaced }, "refund exceeds what the M-PESA receipts still hold");
    return { status: "applied", detail: { orderGid, refunds: created, unplacedKes: unplaced } };
  });
}
