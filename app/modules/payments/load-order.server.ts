import type { ShopDarajaConfig } from "../settings/config.server";
import { getOrderForPayment, type PayableOrder } from "../shopify/order-for-payment";
import { settledAttemptOf } from "./attempts.server";
import type { PaymentsDeps } from "./deps.server";
import { payability, type RefusalCode } from "./payability";

// Shared by Pay and the status poll: the shop's configuration, the order from Shopify, and our own
// record of attempts on it (a success not yet visible in Shopify still means "paid").

export type LoadedOrder =
  | { payable: true; order: PayableOrder; config: ShopDarajaConfig; amountKes: number }
  | { payable: false; reason: RefusalCode; order?: PayableOrder; hidden?: true };

/** Who is asking, when the session token names a customer (order-status page). */
export interface OrderViewer {
  customerGid: string | null;
}

/** What reading an order for payment uses: the database, the shop's Daraja settings, the Admin wrapper. */
export type LoadOrderDeps = Pick<PaymentsDeps, "db" | "shopConfig" | "adminGraphql">;

export async function loadPayableOrder(
  deps: LoadOrderDeps,
  shop: string,
  orderGid: string,
  viewer?: OrderViewer,
): Promise<LoadedOrder> {
  const config = await deps.shopConfig(shop);
  if (!config) return { payable: false, reason: "SHOP_NOT_CONFIGURED" };
  const order = await getOrderForPayment(await deps.adminGraphql(shop), orderGid);
  if (!order) return { payable: false, reason: "ORDER_NOT_FOUND_YET" };
  // Another customer's order looks exactly like one that does not exist: nothing about it is shown.
  if (viewer && (!viewer.customerGid || order.customerId !== viewer.customerGid)) {
    return { payable: false, reason: "ORDER_NOT_FOUND_YET", hidden: true };
  }
  const verdict = payability(order, config.paymentMethodName);
  if (!verdict.payable) return { payable: false, reason: verdict.reason, order };
  const settled = await settledAttemptOf(deps.db, shop, orderGid);
  if (settled) return { payable: false, reason: settled.status === "SUCCEEDED" ? "ALREADY_PAID" : "UNDER_REVIEW", order };
  return { payable: true, order, config, amountKes: verdict.amountKes };
}
