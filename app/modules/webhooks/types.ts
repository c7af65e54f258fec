import type { Prisma, PrismaClient } from "@prisma/client";

/** What a webhook route hands to a use case once Shopify's signature has been checked. */
export interface VerifiedWebhook {
  webhookId: string; // X-Shopify-Webhook-Id: the same for every retry of one delivery
  shop: string;
  topic: string;
  payload: unknown;
}

/**
 * How a delivery ended. `rejected` is the only one not recorded as done: the payload was unusable,
 * so nothing was applied and a later (fixed) delivery with the same id must still be applied.
 */
export type WebhookOutcome =
  | { status: "applied"; detail?: Record<string, unknown> }
  | { status: "duplicate" }
  | { status: "ignored"; reason: string }
  | { status: "rejected"; reason: string };

export type Db = PrismaClient;
export type Tx = Prisma.TransactionClient;
