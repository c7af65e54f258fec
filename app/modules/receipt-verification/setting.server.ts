import type { PrismaClient } from "@prisma/client";

// The merchant's per-shop switch (ShopSettings.shopperVerifyByCode, off by default): may the shopper
// verify their own payment by its M-PESA code on the order-status page?

export async function shopperMayVerify(db: Pick<PrismaClient, "shopSettings">, shop: string): Promise<boolean> {
  const row = await db.shopSettings.findUnique({ where: { shopDomain: shop }, select: { shopperVerifyByCode: true } });
  return row?.shopperVerifyByCode === true;
}

/** False when the shop has not saved its settings yet (there is nothing to switch on). */
export async function setShopperMayVerify(
  db: Pick<PrismaClient, "shopSettings">,
  shop: string,
  on: boolean,
): Promise<boolean> {
  const { count } = await db.shopSettings.updateMany({
    where: { shopDomain: shop },
    data: { shopperVerifyByCode: on },
  });
  return count === 1;
}
