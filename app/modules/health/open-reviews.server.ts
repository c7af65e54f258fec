import type { PrismaClient } from "@prisma/client";
import { openReviewCount } from "../refunds/review.server";

// The ONE count of payments that still need the merchant (the home banner): NEEDS_REVIEW attempts
// nobody has resolved yet (refund, apply to the order, handled outside the app — refunds/review.server.ts).
export function countOpenReviews(db: Pick<PrismaClient, "paymentAttempt">, shop: string): Promise<number> {
  return openReviewCount(db, shop);
}
