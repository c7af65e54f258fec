import { applyOnce } from "./delivery.server";
import { OrderPayload, mpesaOrderFields, paidWithMethod } from "./order-payload";
import type { Db, VerifiedWebhook, WebhookOutcome } from "./types";

export const DEFAULT_PAYMENT_METHOD_NAME = "M-PESA";

/**
 * orders/create: remember every order placed with the shop's manual M-PESA method, so unpaid M-PESA
 * orders are known even when the buyer never reaches the thank-you page. Other orders are ignored.
 *
 * The payload is a snapshot from the moment of creation; by the time a (possibly hours-late) retry
 * arrives, the extension may already have recorded the order and the buyer may have paid. So an
 * existing row only has its blanks filled, never its values replaced.
 */
export async function handleOrderCreated(db: Db, webhook: VerifiedWebhook): Promise<WebhookOutcome> {
  const parsed = OrderPayload.safeParse(webhook.payload);
  if (!parsed.success) return { status: "rejected", reason: "order payload has no id" };
  const order = parsed.data;
  const shopDomain = webhook.shop;

  return applyOnce(db, webhook, async (tx) => {
    const settings = await tx.shopSettings.findUnique({
      where: { shopDomain },
      select: { paymentMethodName: true, accountReferenceTemplate: true },
    });
    const methodName = settings?.paymentMethodName || DEFAULT_PAYMENT_METHOD_NAME;
    if (!paidWithMethod(order, methodName)) return { status: "ignored", reason: "not an M-PESA order" };

    const fields = mpesaOrderFields(order, settings?.accountReferenceTemplate);
    const key = { shopDomain_orderGid: { shopDomain, orderGid: fields.orderGid } };
    const existing = await tx.mpesaOrder.findUnique({ where: key });
    if (!existing) {
      await tx.mpesaOrder.create({ data: { shopDomain, ...fields } });
      return { status: "applied", detail: { orderGid: fields.orderGid, created: true } };
    }
    const blanks = Object.fromEntries(
      Object.entries(fields).filter(
        ([column, value]) => value !== null && existing[column as keyof typeof fields] === null,
      ),
    );
    if (Object.keys(blanks).length) await tx.mpesaOrder.update({ where: key, data: blanks });
    return { status: "applied", detail: { orderGid: fields.orderGid, created: false, filled: Object.keys(blanks) } };
  });
}
