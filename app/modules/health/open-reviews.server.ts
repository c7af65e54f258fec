import type { PrismaClient } from "@prisma/client";

// The ONE count of payments that still need the merchant (the home banner). Today a review is open
// while its attempt is NEEDS_REVIEW; when reviews get actions that resolve them (refund, apply to the
// order, handled outside the app), only this function changes to count the unresolved ones.
export function countOpenReviews(db: Pick<PrismaClient, "paymentAttempt">, shop: string): Promise<number> {
  return db.paymentAttempt.count({ where: { shopDomain: shop, status: "NEEDS_REVIEW" } });
}
