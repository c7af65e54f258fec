import { createHmac, randomUUID } from "node:crypto";
import type { PrismaClient } from "@prisma/client";
import { DEMO_ACCESS_TOKEN, DEMO_ORDERS, DEMO_SHOP, type DemoOrder } from "./demo";

// Demo orders, made the way a real shop makes them: the order exists in the Shopify Admin stand-in,
// and the app learns of it from a signed `orders/create` webhook POSTed to its own route. Shared by
// the launcher (scripts/sandbox: the orders of every start) and the sandbox page ("Add a demo order",
// "Reset"); the page's calls run inside the app, which signs with its own SHOPIFY_API_SECRET.

export type StandinOrderSnapshot = {
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
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, text: await res.text() };
}

export async function registerDemoShopInStandin(standinUrl: string) {
  const registered = await post(`${standinUrl}/__standin/shops`, { shop: DEMO_SHOP, accessToken: DEMO_ACCESS_TOKEN });
  if (registered.status !== 201)
    throw new Error(`stand-in refused the demo shop: ${registered.status} ${registered.text}`);
}

export async function createDemoOrderInStandin(standinUrl: string, demo: DemoOrder): Promise<StandinOrderSnapshot> {
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
  return JSON.parse(created.text).order as StandinOrderSnapshot;
}

/** The REST-shaped body Shopify sends for `orders/create` (the fields the app reads). */
export function ordersCreatePayload(order: StandinOrderSnapshot, demo?: DemoOrder) {
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

export async function deliverOrdersCreate(
  appUrl: string,
  apiSecret: string,
  order: StandinOrderSnapshot,
  demo?: DemoOrder,
) {
  const { raw, headers } = signedWebhook("orders/create", DEMO_SHOP, ordersCreatePayload(order, demo), apiSecret);
  const res = await fetch(`${appUrl}/webhooks/orders/create`, {
    method: "POST",
    headers,
    body: raw,
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  if (res.status !== 200)
    throw new Error(`the app answered the orders/create webhook with ${res.status}: ${text.slice(0, 200)}`);
}

/**
 * Forgets the demo shop's orders, payments, callbacks and refunds (only the demo shop's). Rate-limit
 * counters are cleared too: a demo retries the same phone number often.
 */
export async function forgetDemoOrders(db: PrismaClient) {
  const shopDomain = DEMO_SHOP;
  await db.$transaction([
    db.paymentAttempt.deleteMany({ where: { shopDomain } }),
    db.c2bAuditEntry.deleteMany({ where: { shopDomain } }),
    db.c2bPayment.deleteMany({ where: { shopDomain } }),
    db.receiptVerification.deleteMany({ where: { shopDomain } }),
    db.reconciliationItem.deleteMany({ where: { shopDomain } }),
    db.reconciliationRun.deleteMany({ where: { shopDomain } }),
    db.reconciliationHandled.deleteMany({ where: { shopDomain } }),
    db.mpesaRefund.deleteMany({ where: { shopDomain } }),
    db.mpesaReceipt.deleteMany({ where: { shopDomain } }),
    db.mpesaOrder.deleteMany({ where: { shopDomain } }),
    db.callbackLog.deleteMany({ where: { shopDomain } }),
    db.job.deleteMany({ where: { shopDomain } }),
    db.webhookDelivery.deleteMany({ where: { shopDomain } }),
    db.rateLimiterFlexible.deleteMany({}),
  ]);
}

/** A demo customer for the next order added from the page: the list again, with a growing total. */
export function nextDemoOrder(existing: number): DemoOrder {
  const base = DEMO_ORDERS[existing % DEMO_ORDERS.length];
  return {
    ...base,
    key: `demo-${existing + 1}`,
    totalKes: base.totalKes + 100 * Math.floor(existing / DEMO_ORDERS.length),
  };
}
