import type { Db } from "./attempts.server";

// The shop's rule for a payment STK Push Query confirms while its callback never came (the query
// carries no receipt). Default: the order ends paid with its receipt pending. A cautious merchant
// (ShopSettings.holdUntilReceiptKnown) holds it in review (RECEIPT_UNKNOWN) until a callback brings the receipt.

export async function holdsUntilReceiptKnown(db: Db, shop: string): Promise<boolean> {
  const row = await db.shopSettings.findUnique({
    where: { shopDomain: shop },
    select: { holdUntilReceiptKnown: true },
  });
  return row?.holdUntilReceiptKnown ?? false;
}

export async function setHoldUntilReceiptKnown(db: Db, shop: string, hold: boolean): Promise<boolean> {
  const { count } = await db.shopSettings.updateMany({
    where: { shopDomain: shop },
    data: { holdUntilReceiptKnown: hold },
  });
  return count === 1;
}
