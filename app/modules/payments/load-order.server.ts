import type { ShopDarajaConfig } from "../settings/config.server";
import type { PayableOrder } from "../shopify/order-for-payment";
import { settledAttemptOf } from "./attempts.server";
import type { PaymentsDeps } from "./deps.server";
import { bindOrder, type OrderCaller } from "./order-binding";
import { payability, type RefusalCode } from "./payability";

// Shared by Pay and the status poll: the shop's configuration, the order from Shopify bound to the
// caller, and our own record of attempts on it (a success not yet visible in Shopify still means "paid").

export type LoadedOrder =
  | { payable: true; order: PayableOrder; config: ShopDarajaConfig; amountKes: number }
  /** `hidden`: nothing about the order (name, amount, attempts) may be shown to this caller. */
  | { payable: false; reason: RefusalCode; order?: PayableOrder; hidden?: true };

export type { OrderCaller };

/** What reading an order for payment uses: the database, the shop's Daraja settings, the order reads (Admin API). */
export type LoadOrderDeps = Pick<PaymentsDeps, "db" | "shopConfig" | "orders">;

export async function loadPayableOrder(
  deps: LoadOrderDeps,
  shop: string,
  orderGid: string,
  caller: OrderCaller,
  opts: { fresh?: boolean } = {},
): Promise<LoadedOrder> {
  const config = await deps.shopConfig(shop);
  if (!config) return { payable: false, reason: "SHOP_NOT_CONFIGURED" };
  const order = await deps.orders.read(shop, orderGid, opts);
  const binding = bindOrder(order, caller);
  if (!binding.bound || !order)
    return { payable: false, reason: binding.bound ? "ORDER_NOT_FOUND_YET" : binding.reason, hidden: true };
  const verdict = payability(order, config.paymentMethodName);
  // Not ours to take payment for: say only that (no name, no total).
  if (!verdict.payable && verdict.reason === "NOT_MPESA") return { payable: false, reason: "NOT_MPESA", hidden: true };
  if (!verdict.payable) return { payable: false, reason: verdict.reason, order };
  const settled = await settledAttemptOf(deps.db, shop, orderGid);
  if (settled)
    return { payable: false, reason: settled.status === "SUCCEEDED" ? "ALREADY_PAID" : "UNDER_REVIEW", order };
  return { payable: true, order, config, amountKes: verdict.amountKes };
}
