import { logger } from "../../lib/logger.server";
import type { VerifiedWebhook, WebhookOutcome } from "./types";

/**
 * Turns a use case's outcome into Shopify's answer. 200 tells Shopify to stop retrying (applied,
 * already applied, or deliberately ignored); 400 is a payload we can never use; 500 is a failure
 * whose transaction rolled back, so Shopify's retry applies it later.
 */
export async function answerWebhook(webhook: VerifiedWebhook, run: () => Promise<WebhookOutcome>): Promise<Response> {
  const context = { shop: webhook.shop, topic: webhook.topic, webhookId: webhook.webhookId };
  try {
    const outcome = await run();
    if (outcome.status === "rejected") {
      logger.error({ ...context, reason: outcome.reason }, "webhook payload rejected");
      return new Response(null, { status: 400 });
    }
    logger.info({ ...context, ...outcome }, "webhook handled");
    return new Response(null, { status: 200 });
  } catch (error) {
    logger.error({ ...context, err: error }, "webhook failed; Shopify will retry");
    return new Response(null, { status: 500 });
  }
}
