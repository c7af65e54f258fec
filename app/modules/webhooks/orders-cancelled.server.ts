import { applyOnce } from "./delivery.server";
import { OrderPayload, orderGid } from "./order-payload";
import type { Db, VerifiedWebhook, WebhookOutcome } from "./types";

/**
 * orders/cancelled: the app's own table learns that an M-PESA order it knows was cancelled, so paybill
 * validation refuses payments for it and the matcher sends them to the queue with that reason
 * (docs/C2B.md). Orders the app does not know are ignored; a cancellation is never undone here.
 */
export async function handleOrderCancelled(db: Db, webhook: VerifiedWebhook): Promise<WebhookOutcome> {
  const parsed = OrderPayload.safeParse(webhook.payload);
  if (!parsed.success) return { status: "rejected", reason: "order payload has no id" };
  const order = parsed.data;
  const gid = order.admin_graphql_api_id || orderGid(order.id);
  const at =
    order.cancelled_at && !Number.isNaN(Date.parse(order.cancelled_at)) ? new Date(order.cancelled_at) : new Date();
  return applyOnce(db, webhook, async (tx) => {
    const { count } = await tx.mpesaOrder.updateMany({
      where: { shopDomain: webhook.shop, orderGid: gid, cancelledAt: null },
      data: { cancelledAt: at },
    });
    return count === 1
      ? { status: "applied", detail: { orderGid: gid, cancelled: true } }
      : { status: "ignored", reason: "not a known uncancelled M-PESA order" };
  });
}
