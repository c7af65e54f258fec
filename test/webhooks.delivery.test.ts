import { afterAll, describe, expect, it, vi } from "vitest";
import prisma from "../app/db.server";
import { applyOnce, pruneWebhookDeliveries } from "../app/modules/webhooks/delivery.server";
import * as ordersCreate from "../app/routes/webhooks.orders.create";
import * as shopRedact from "../app/routes/webhooks.shop.redact";
import * as uninstalled from "../app/routes/webhooks.app.uninstalled";
import { TEST_SHOP, deliver, orderPayload, webhookRequest } from "./support/webhooks";

// What every webhook route shares: Shopify's signature is required, and a delivery is applied once.

afterAll(() => prisma.$disconnect());

describe("webhook signature", () => {
  it("answers 401 to a bad HMAC and changes nothing", async () => {
    const shop = "forged.myshopify.com";
    await prisma.session.create({ data: { id: `offline_${shop}`, shop, state: "", accessToken: "tok" } });
    const forged = webhookRequest("app/uninstalled", { domain: shop }, { shop, secret: "not-the-app-secret" });
    const response = await deliver(uninstalled, forged);
    expect(response.status).toBe(401);
    expect(await prisma.session.count({ where: { shop } })).toBe(1);
    expect(await prisma.shop.count({ where: { domain: shop } })).toBe(0);
    expect(await prisma.webhookDelivery.count({ where: { shopDomain: shop } })).toBe(0);
  });

  it("answers 401 to a body changed after signing", async () => {
    const payload = orderPayload();
    const signed = webhookRequest("orders/create", payload);
    const tampered = new Request(signed.url, {
      method: "POST",
      headers: signed.headers,
      body: JSON.stringify({ ...payload, total_outstanding: "1.00" }),
    });
    expect((await deliver(ordersCreate, tampered)).status).toBe(401);
    expect(await prisma.mpesaOrder.count({ where: { orderGid: payload.admin_graphql_api_id } })).toBe(0);
  });

  it("answers 400 when Shopify's webhook id header is missing", async () => {
    const request = webhookRequest("shop/redact", { shop_domain: TEST_SHOP });
    request.headers.delete("X-Shopify-Webhook-Id");
    expect((await deliver(shopRedact, request)).status).toBe(400);
  });
});

describe("webhook deduplication", () => {
  it("applies a re-sent delivery once: the first payload stands", async () => {
    const first = orderPayload({ total_outstanding: "1500.00", email: "first@example.com" });
    const resent = { ...first, total_outstanding: "99.00", email: "second@example.com", name: "#changed" };

    expect((await deliver(ordersCreate, webhookRequest("orders/create", first, { webhookId: "wh-1" }))).status).toBe(
      200,
    );
    expect((await deliver(ordersCreate, webhookRequest("orders/create", resent, { webhookId: "wh-1" }))).status).toBe(
      200,
    );

    const rows = await prisma.mpesaOrder.findMany({ where: { orderGid: first.admin_graphql_api_id } });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ outstandingKes: 1500, email: "first@example.com", orderName: first.name });
    expect(await prisma.webhookDelivery.findMany({ where: { webhookId: "wh-1" } })).toEqual([
      expect.objectContaining({ webhookId: "wh-1", shopDomain: TEST_SHOP, topic: "ORDERS_CREATE" }),
    ]);
  });

  it("applies the same delivery once when both copies arrive together", async () => {
    const payload = orderPayload();
    const copies = await Promise.all(
      [1, 2].map(() => deliver(ordersCreate, webhookRequest("orders/create", payload, { webhookId: "wh-concurrent" }))),
    );
    expect(copies.map((r) => r.status)).toEqual([200, 200]);
    expect(await prisma.mpesaOrder.count({ where: { orderGid: payload.admin_graphql_api_id } })).toBe(1);
    expect(await prisma.webhookDelivery.count({ where: { webhookId: "wh-concurrent" } })).toBe(1);
  });

  it("leaves no trace of a delivery whose apply failed, so Shopify's retry applies it", async () => {
    const webhook = { webhookId: "wh-crash", shop: TEST_SHOP, topic: "ORDERS_CREATE", payload: {} };
    const order = { shopDomain: TEST_SHOP, orderGid: "gid://shopify/Order/1", currency: "KES" };
    const orders = () => prisma.mpesaOrder.count({ where: { orderGid: order.orderGid } });
    const crash = applyOnce(prisma, webhook, async (tx) => {
      await tx.mpesaOrder.create({ data: order });
      throw new Error("crashed half-way");
    });
    await expect(crash).rejects.toThrow("crashed half-way");
    expect(await prisma.webhookDelivery.count({ where: { webhookId: "wh-crash" } })).toBe(0);
    expect(await orders()).toBe(0);

    const retry = await applyOnce(prisma, webhook, async (tx) => {
      await tx.mpesaOrder.create({ data: order });
      return { status: "applied" };
    });
    expect(retry).toEqual({ status: "applied" });
    expect(await orders()).toBe(1);
  });

  it("answers 500 (retry) when the database fails, recording nothing", async () => {
    const spy = vi.spyOn(prisma, "$transaction").mockRejectedValueOnce(new Error("database unavailable"));
    try {
      const response = await deliver(
        ordersCreate,
        webhookRequest("orders/create", orderPayload(), { webhookId: "wh-500" }),
      );
      expect(response.status).toBe(500);
    } finally {
      spy.mockRestore();
    }
    expect(await prisma.webhookDelivery.count({ where: { webhookId: "wh-500" } })).toBe(0);
  });

  it("prunes delivery records older than the cutoff only", async () => {
    const shop = "prune.myshopify.com";
    await prisma.webhookDelivery.createMany({
      data: [
        { webhookId: "old", shopDomain: shop, topic: "ORDERS_CREATE", receivedAt: new Date("2026-01-01T00:00:00Z") },
        { webhookId: "new", shopDomain: shop, topic: "ORDERS_CREATE", receivedAt: new Date("2026-01-09T00:00:00Z") },
      ],
    });
    expect(await pruneWebhookDeliveries(prisma, new Date("2026-01-05T00:00:00Z"))).toBe(1);
    expect((await prisma.webhookDelivery.findMany({ where: { shopDomain: shop } })).map((d) => d.webhookId)).toEqual([
      "new",
    ]);
  });
});
