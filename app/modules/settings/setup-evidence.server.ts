import type { PrismaClient } from "@prisma/client";
import { isUniqueViolation } from "../../lib/db-errors";

// Evidence of the two set-up steps done in the Shopify admin, which the app has no read access to
// (the home checklist): an order placed with the M-PESA manual method reached the app (orders/create
// -> MpesaOrder), so the payment method exists under the name the app knows; a request of the checkout
// block reached the app with a valid session token, so the block is placed on a page.

export type SetupEvidenceDb = Pick<PrismaClient, "mpesaOrder" | "setupEvidence">;

export type SetupEvidence = {
  /** The first M-PESA order the app heard of. */
  firstMpesaOrder: { name: string | null; at: Date } | null;
  /** The checkout block's first request. */
  firstExtensionRequest: { at: Date; path: string } | null;
};

export async function findSetupEvidence(db: SetupEvidenceDb, shop: string): Promise<SetupEvidence> {
  const [order, block] = await Promise.all([
    // (shopDomain, orderGid) is unique, so the shop's rows are found by that index's prefix.
    db.mpesaOrder.findFirst({
      where: { shopDomain: shop },
      orderBy: { createdAt: "asc" },
      select: { orderName: true, createdAt: true },
    }),
    db.setupEvidence.findUnique({ where: { shopDomain: shop } }),
  ]);
  return {
    firstMpesaOrder: order && { name: order.orderName, at: order.createdAt },
    firstExtensionRequest: block && { at: block.firstExtensionRequestAt, path: block.firstExtensionPath },
  };
}

// Shops whose row is known to exist: after the first request per shop and process, nothing is written
// or read again. Bounded (a busy multi-shop instance forgets and re-checks with one cheap insert).
const recorded = new Set<string>();
const RECORDED_MAX = 10_000;

/**
 * Called by the checkout block's routes after the session token checked out. Never throws: a
 * missing row only leaves a checklist step at "To do"; the shopper's request must not fail for it.
 */
export async function noteExtensionRequest(
  db: Pick<PrismaClient, "setupEvidence">,
  shop: string,
  path: string,
  onError: (err: unknown) => void = () => {},
): Promise<void> {
  if (recorded.has(shop)) return;
  try {
    await db.setupEvidence.create({ data: { shopDomain: shop, firstExtensionPath: path } });
  } catch (err) {
    if (!isUniqueViolation(err)) {
      onError(err);
      return;
    }
  }
  if (recorded.size >= RECORDED_MAX) recorded.clear();
  recorded.add(shop);
}

/** Tests: forget what this process has recorded. */
export function forgetRecordedExtensionRequests() {
  recorded.clear();
}
