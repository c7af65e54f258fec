import { isUniqueViolation } from "../../lib/db-errors";
import type { Db, Tx, VerifiedWebhook, WebhookOutcome } from "./types";

class AlreadyApplied extends Error {}

// Shopify gives up on a delivery after 5 s; the whole apply must fit well inside that.
const TX_OPTIONS = { maxWait: 1_500, timeout: 3_500 };

/**
 * Applies a delivery at most once. The WebhookDelivery row is inserted in the same transaction as
 * the change it stands for: "already exists" means a previous copy was applied and committed, and a
 * crash before commit leaves neither, so Shopify's retry applies it then. A concurrent copy blocks on
 * the primary key until the first commits, then sees the duplicate.
 */
export async function applyOnce(
  db: Db,
  webhook: VerifiedWebhook,
  apply: (tx: Tx) => Promise<WebhookOutcome>,
): Promise<WebhookOutcome> {
  try {
    return await db.$transaction(async (tx) => {
      try {
        await tx.webhookDelivery.create({
          data: { webhookId: webhook.webhookId, shopDomain: webhook.shop, topic: webhook.topic },
        });
      } catch (error) {
        if (isUniqueViolation(error)) throw new AlreadyApplied();
        throw error;
      }
      return apply(tx);
    }, TX_OPTIONS);
  } catch (error) {
    if (error instanceof AlreadyApplied) return { status: "duplicate" };
    throw error;
  }
}

/**
 * Shopify retries a delivery for about 4 hours; a record older than that can no longer stop a
 * duplicate, so it can go. Run it periodically (e.g. daily) with a cutoff of a few days.
 */
export async function pruneWebhookDeliveries(db: Pick<Db, "webhookDelivery">, olderThan: Date): Promise<number> {
  const { count } = await db.webhookDelivery.deleteMany({ where: { receivedAt: { lt: olderThan } } });
  return count;
}
