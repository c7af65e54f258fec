import { randomUUID } from "node:crypto";
import { getHmac } from "@shopify/shopify-api/test-helpers";
import type { ActionFunctionArgs } from "@remix-run/node";

// Shopify webhook deliveries for tests: signed the way Shopify signs them (HMAC-SHA256 of the raw
// body with the app secret, base64), with every header @shopify/shopify-api requires.

export const TEST_SHOP = "mpesa-test-shop.myshopify.com";
const APP_SECRET = "testApiSecretKey"; // vitest.config.ts SHOPIFY_API_SECRET

export interface DeliveryOptions {
  shop?: string;
  webhookId?: string;
  secret?: string;
  apiVersion?: string;
}

/** topic as in shopify.app.toml ("orders/create"); the request goes to its route path. */
export function webhookRequest(topic: string, payload: unknown, opts: DeliveryOptions = {}): Request {
  const body = JSON.stringify(payload);
  return new Request(`https://my-test-app.myshopify.io/webhooks/${topic}`, {
    method: "POST",
    body,
    headers: {
      "Content-Type": "application/json",
      "X-Shopify-Hmac-Sha256": getHmac(body, opts.secret ?? APP_SECRET),
      "X-Shopify-Topic": topic,
      "X-Shopify-Shop-Domain": opts.shop ?? TEST_SHOP,
      "X-Shopify-API-Version": opts.apiVersion ?? "2026-07",
      "X-Shopify-Webhook-Id": opts.webhookId ?? randomUUID(),
      "X-Shopify-Event-Id": randomUUID(),
      "X-Shopify-Triggered-At": new Date().toISOString(),
    },
  });
}

type Action = (args: ActionFunctionArgs) => Promise<Response>;

/** Calls a route's action as Remix would, including a thrown Response (authenticate.webhook's 401). */
export async function deliver(route: { action: Action }, request: Request): Promise<Response> {
  try {
    return await route.action({ request, params: {}, context: {} });
  } catch (thrown) {
    if (thrown instanceof Response) return thrown;
    throw thrown;
  }
}

let nextOrderId = 5_000_000_001;

/** A REST-shaped orders/create payload paid with the manual "M-PESA" method. */
export function orderPayload(overrides: Record<string, unknown> = {}) {
  const id = nextOrderId++;
  return {
    id,
    admin_graphql_api_id: `gid://shopify/Order/${id}`,
    name: `#${id % 10_000}`,
    order_number: id % 10_000,
    confirmation_number: `CONF${id % 100_000}`,
    email: "wanjiku@example.com",
    phone: "+254712345678",
    currency: "KES",
    presentment_currency: "KES",
    total_price: "1500.00",
    total_outstanding: "1500.00",
    financial_status: "pending",
    payment_gateway_names: ["M-PESA"],
    customer: {
      id: 7_000_000_001,
      admin_graphql_api_id: "gid://shopify/Customer/7000000001",
      email: "wanjiku@example.com",
    },
    billing_address: { phone: "0712 345 678" },
    shipping_address: null,
    ...overrides,
  };
}
