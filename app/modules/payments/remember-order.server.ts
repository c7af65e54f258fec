import type { Prisma, PrismaClient } from "@prisma/client";
import { matchingKeys } from "../c2b/matching";
import type { PayableOrder } from "../shopify/order-for-payment";

// The order a shopper pays, kept among the shop's M-PESA orders (MpesaOrder) if Shopify's
// orders/create never told the app of it (a webhook lost, or the order placed before the app was
// installed): money that later arrives for it without its prompt's answer — by paybill, Pull
// Transactions or the statement, after a crash took the answer with it — is then still matched to it
// by its account reference. Never overwrites what orders/create stored.

type Db = PrismaClient | Prisma.TransactionClient;

const isUniqueViolation = (e: unknown) => (e as { code?: string } | null)?.code === "P2002";

export async function rememberPayingOrder(
  db: Db,
  shop: string,
  order: PayableOrder,
  accountReferenceTemplate: string,
): Promise<void> {
  const key = { shopDomain_orderGid: { shopDomain: shop, orderGid: order.id } };
  if (await db.mpesaOrder.findUnique({ where: key, select: { id: true } })) return;
  try {
    await db.mpesaOrder.create({
      data: {
        shopDomain: shop,
        orderGid: order.id,
        orderName: order.name,
        confirmationNumber: order.confirmationNumber,
        ...matchingKeys(
          { orderName: order.name, confirmationNumber: order.confirmationNumber },
          accountReferenceTemplate,
        ),
        customerId: order.customerId,
        email: order.email,
        currency: order.currency.toUpperCase(),
        outstandingKes: order.outstandingKes,
      },
    });
  } catch (error) {
    if (!isUniqueViolation(error)) throw error; // orders/create (or another Pay) stored it meanwhile
  }
}
