import { customerIdForms, orderGid } from "./order-payload";
import type { Tx } from "./types";

/**
 * Everything stored about one customer of one shop: the M-PESA orders named by Shopify or linked to
 * the customer id, and the payment attempts on those orders.
 */
export async function findCustomerRecords(
  tx: Tx,
  shopDomain: string,
  customer: { id: string | number },
  orderIds: (string | number)[],
) {
  const named = orderIds.map((id) => (String(id).startsWith("gid://") ? String(id) : orderGid(id)));
  const orders = await tx.mpesaOrder.findMany({
    where: { shopDomain, OR: [{ orderGid: { in: named } }, { customerId: { in: customerIdForms(customer.id) } }] },
    orderBy: { createdAt: "asc" },
  });
  const orderGids = [...new Set([...named, ...orders.map((o) => o.orderGid)])];
  const attempts = await tx.paymentAttempt.findMany({
    where: { shopDomain, orderGid: { in: orderGids } },
    orderBy: { createdAt: "asc" },
  });
  return { orders, orderGids, attempts };
}
