import { afterAll, describe, expect, it } from "vitest";
import prisma from "../app/db.server";
import * as ordersCancelled from "../app/routes/webhooks.orders.cancelled";
import * as ordersCreate from "../app/routes/webhooks.orders.create";
import { deliver, orderPayload, webhookRequest } from "./support/webhooks";

afterAll(() => prisma.$disconnect());

let shopNo = 0;
const newShop = () => `orders-${++shopNo}.myshopify.com`;

async function create(shop: string, payload: Record<string, unknown>) {
  const response = await deliver(ordersCreate, webhookRequest("orders/create", payload, { shop }));
  expect(response.status).toBe(200);
  return prisma.mpesaOrder.findMany({ where: { shopDomain: shop } });
}

async function withMethodName(shop: string, paymentMethodName: string) {
  await prisma.shopSettings.create({ data: { shopDomain: shop, paymentMethodName } });
}

describe("orders/create", () => {
  it("records an order paid with M-PESA, outstanding rounded up to whole shillings", async () => {
    const shop = newShop();
    const payload = orderPayload({ total_outstanding: "1234.01", total_price: "1300.00" });
    const [row] = await create(shop, payload);
    expect(row).toMatchObject({
      orderGid: payload.admin_graphql_api_id,
      orderName: payload.name,
      confirmationNumber: payload.confirmation_number,
      customerId: "gid://shopify/Customer/7000000001",
      phone: "+254712345678",
      email: "wanjiku@example.com",
      currency: "KES",
      outstandingKes: 1235,
      paidAt: null,
    });
  });

  it("ignores orders paid any other way", async () => {
    const shop = newShop();
    expect(await create(shop, orderPayload({ payment_gateway_names: ["bogus", "Cash on Delivery (COD)"] }))).toEqual(
      [],
    );
    expect(await create(shop, orderPayload({ payment_gateway_names: [] }))).toEqual([]);
  });

  it("matches the shop's configured method name, trimmed and case-insensitively", async () => {
    const shop = newShop();
    await withMethodName(shop, "Lipa na M-PESA");
    expect(await create(shop, orderPayload({ payment_gateway_names: ["M-PESA"] }))).toEqual([]);
    expect(
      await create(shop, orderPayload({ payment_gateway_names: ["gift_card", "  lipa NA m-pesa "] })),
    ).toHaveLength(1);
  });

  it("falls back: GID from the id, total_price, billing then shipping phone, presentment currency", async () => {
    const shop = newShop();
    const payload = orderPayload({
      admin_graphql_api_id: undefined,
      total_outstanding: undefined,
      total_price: "999.50",
      phone: null,
      billing_address: { phone: "" },
      shipping_address: { phone: "0722 000 111" },
      presentment_currency: "kes",
      payment_gateway_names: ["m-pesa"],
    });
    const [row] = await create(shop, payload);
    expect(row).toMatchObject({
      orderGid: `gid://shopify/Order/${payload.id}`,
      outstandingKes: 1000,
      phone: "0722 000 111",
      currency: "KES",
    });
  });

  it("keeps whole amounts as they are and knows no KES amount for another shop currency", async () => {
    const shop = newShop();
    const [whole] = await create(shop, orderPayload({ total_outstanding: "700.00" }));
    expect(whole.outstandingKes).toBe(700);
    const usd = orderPayload({ currency: "USD", presentment_currency: "USD" });
    const rows = await create(shop, usd);
    expect(rows.find((r) => r.orderGid === usd.admin_graphql_api_id)).toMatchObject({
      currency: "USD",
      outstandingKes: null,
    });
  });

  it("is idempotent per order and only fills blanks on an order the app already knows", async () => {
    const shop = newShop();
    const payload = orderPayload({ total_outstanding: "500.00" });
    // The extension recorded the order first, with the phone the buyer typed, and it was paid since.
    const paidAt = new Date("2026-11-01T10:00:00Z");
    await prisma.mpesaOrder.create({
      data: {
        shopDomain: shop,
        orderGid: payload.admin_graphql_api_id,
        currency: "KES",
        phone: "254799000111",
        outstandingKes: 0,
        paidAt,
      },
    });
    await create(shop, payload);
    const rows = await create(shop, payload); // a second delivery (new webhook id) of the same order
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      phone: "254799000111",
      outstandingKes: 0,
      paidAt,
      orderName: payload.name,
      email: "wanjiku@example.com",
    });
  });

  it("rejects a payload without an order id (400)", async () => {
    const response = await deliver(ordersCreate, webhookRequest("orders/create", { name: "#1" }, { shop: newShop() }));
    expect(response.status).toBe(400);
  });
});

describe("paybill matching keys (issue 11)", () => {
  it("stores the normalised account reference the shop's template issues, the name, its digits and the confirmation number", async () => {
    const shop = newShop();
    await prisma.shopSettings.create({ data: { shopDomain: shop, accountReferenceTemplate: "INV{order_number}" } });
    const payload = orderPayload({ name: "#KE-0042", confirmation_number: "xk4b9t2qz" });
    const [row] = await create(shop, payload);
    expect(row).toMatchObject({
      referenceKey: "INV42",
      nameKey: "KE42",
      nameDigitsKey: "42",
      confirmationKey: "XK4B9T2QZ",
      cancelledAt: null,
    });
  });

  it("orders/cancelled marks a known order cancelled once; an unknown order is ignored", async () => {
    const shop = newShop();
    const payload = orderPayload();
    await create(shop, payload);
    const cancelled = { ...payload, cancelled_at: "2026-12-01T10:00:00Z" };
    const first = await deliver(ordersCancelled, webhookRequest("orders/cancelled", cancelled, { shop }));
    expect(first.status).toBe(200);
    const [row] = await prisma.mpesaOrder.findMany({ where: { shopDomain: shop } });
    expect(row.cancelledAt?.toISOString()).toBe("2026-12-01T10:00:00.000Z");
    const unknown = await deliver(ordersCancelled, webhookRequest("orders/cancelled", orderPayload(), { shop }));
    expect(unknown.status).toBe(200);
    expect(await prisma.mpesaOrder.count({ where: { shopDomain: shop, cancelledAt: { not: null } } })).toBe(1);
  });

  it("orders/cancelled without an order id is refused", async () => {
    const res = await deliver(ordersCancelled, webhookRequest("orders/cancelled", { name: "#1" }, { shop: newShop() }));
    expect(res.status).toBe(400);
  });
});
