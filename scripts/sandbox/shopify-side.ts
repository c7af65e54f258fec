import { createHmac, randomUUID } from "node:crypto";
import { DEMO_ACCESS_TOKEN, DEMO_ORDERS, DEMO_SHOP, type DemoOrder } from "../../app/modules/sandbox/demo";

// The Shopify side of seeding: the demo shop and its orders exist in the Admin stand-in, and the app
// learns each order the way it does from a real shop — a signed `orders/create` webhook POSTed to it.

type Snapshot = {
  id: string;
  legacyResourceId: number;
  name: string;
  confirmationNumber: string;
  currencyCode: string;
  presentmentCurrencyCode: string;
  total: string;
  outstanding: string;
  paymentGatewayNames: string[];
  phone: string | null;
  email: string | null;
  cancelledAt: string | null;
};

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}

export async function createDemoOrdersInStandin(standinUrl: string): Promise<Snapshot[]> {
  const registered = await post(`${standinUrl}/__standin/shops`, { shop: DEMO_SHOP, accessToken: DEMO_ACCESS_TOKEN });
  if (registered.status !== 201)
    throw new Error(`stand-in refused the demo shop: ${registered.status} ${registered.text}`);
  const orders: Snapshot[] = [];
  for (const demo of DEMO_ORDERS) {
    const created = await post(`${standinUrl}/__standin/orders`, {
      shop: DEMO_SHOP,
      total: demo.totalKes.toFixed(2),
      currencyCode: "KES",
      phone: `+${demo.phone}`,
      email: demo.email,
      paymentGatewayNames: ["M-PESA"],
      tags: ["sandbox-demo"],
    });
    if (created.status !== 201) throw new Error(`stand-in refused a demo order: ${created.status} ${created.text}`);
    orders.push(JSON.parse(created.text).order);
  }
  return orders;
}

/** The REST-shaped body Shopify sends for `orders/create` (the fields the app reads). */
export function ordersCreatePayload(order: Snapshot, demo?: DemoOrder) {
  return {
    id: order.legacyResourceId,
    admin_graphql_api_id: order.id,
    name: order.name,
    order_number: Number(order.name.replace(/\D/g, "")),
    confirmation_number: order.confirmationNumber,
    email: order.email,
    contact_email: order.email,
    phone: order.phone,
    currency: order.currencyCode,
    presentment_currency: order.presentmentCurrencyCode,
    total_price: order.total,
    total_outstanding: order.outstanding,
    financial_status: "pending",
    payment_gateway_names: order.paymentGatewayNames,
    cancelled_at: order.cancelledAt,
    note: demo ? `${demo.item} for ${demo.customer}` : null,
    test: false,
  };
}

/** Signed like Shopify's: base64 HMAC-SHA256 of the raw body with the app secret. */
export function signedWebhook(topic: string, shop: string, body: unknown, apiSecret: string, apiVersion = "2026-07") {
  const raw = JSON.stringify(body);
  return {
    raw,
    headers: {
      "Content-Type": "application/json",
      "X-Shopify-Topic": topic,
      "X-Shopify-Shop-Domain": shop,
      "X-Shopify-API-Version": apiVersion,
      "X-Shopify-Webhook-Id": randomUUID(),
      "X-Shopify-Event-Id": randomUUID(),
      "X-Shopify-Triggered-At": new Date().toISOString(),
      "X-Shopify-Hmac-Sha256": createHmac("sha256", apiSecret).update(raw, "utf8").digest("base64"),
    },
  };
}

export async function deliverOrdersCreate(appUrl: string, apiSecret: string, order: Snapshot, demo?: DemoOrder) {
  const { raw, headers } = signedWebhook("orders/create", DEMO_SHOP, ordersCreatePayload(order, demo), apiSecret);
  const res = await fetch(`${appUrl}/webhooks/orders/create`, { method: "POST", headers, body: raw });
  const text = await res.text();
  if (res.status !== 200)
    throw new Error(`the app answered the orders/create webhook with ${res.status}: ${text.slice(0, 200)}`);
}
