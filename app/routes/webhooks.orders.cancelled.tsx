import type { ActionFunctionArgs } from "@remix-run/node";
import prisma from "../db.server";
import { answerWebhook, handleOrderCancelled } from "../modules/webhooks";
import { authenticate } from "../shopify.server";

// POST /webhooks/orders/cancelled (shopify.app.toml). authenticate.webhook answers 401 to a bad signature itself.
export const action = async ({ request }: ActionFunctionArgs) => {
  const webhook = await authenticate.webhook(request);
  return answerWebhook(webhook, () => handleOrderCancelled(prisma, webhook));
};
