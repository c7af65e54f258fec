import crypto from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import prisma from "../app/db.server";
import * as refundsCreate from "../app/routes/webhooks.refunds.create";
import * as adminRefundRoute from "../app/routes/sandbox.admin-refund";
import { refundInAdmin } from "../app/modules/sandbox/admin-refund.server";
import { DEMO_SHOP } from "../app/modules/sandbox/demo";
import { startShopifyStandin, type ShopifyStandin } from "../shopify-standin/index";
import { deliver } from "./support/webhooks";

// The stand-in's refunds as the merchant's admin makes them: Order.suggestedRefund, a refund made
// through the control API, and the refunds/create webhook it sends — signed as Shopify signs it,
// accepted by the app's real webhook route.

const SHOP = "standin-refunds.myshopify.com";
const TOKEN = "shpat_refunds";
const SECRET = "testApiSecretKey"; // vitest.config.ts SHOPIFY_API_SECRET
let standin: ShopifyStandin;
let app: http.Server;
let appUrl = "";
let received: { path: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
let answerStatus = 200;

beforeAll(async () => {
  app = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ path: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      res.writeHead(answerStatus).end();
    });
  });
  await new Promise<void>((r) => app.listen(0, "127.0.0.1", () => r()));
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
  standin = await startShopifyStandin();
});
afterAll(async () => {
  await standin.close();
  await new Promise((r) => app.close(r));
  await prisma.$disconnect();
});
beforeEach(async () => {
  received = [];
  answerStatus = 200;
  standin.reset({ shops: true });
  standin.registerShop(SHOP, TOKEN);
  standin.setWebhookTarget(null);
});

async function control(method: string, path: string, body?: unknown) {
  const res = await fetch(`${standin.url}/__standin/${path}`, {
    method,
    headers: { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}
async function gql(query: string, variables: Record<string, unknown> = {}) {
  const res = await fetch(`${standin.url}/${SHOP}/admin/api/2026-07/graphql.json`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Shopify-Access-Token": TOKEN },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as Record<string, any>;
}

const SUGGESTED = `query Suggested($id: ID!) {
  order(id: $id) {
    suggestedRefund(suggestFullRefund: true, refundShipping: true, refundMethodAllocation: ORIGINAL_PAYMENT_METHODS) {
      amountSet { shopMoney { amount currencyCode } }
      maximumRefundableSet { shopMoney { amount } }
      suggestedTransactions {
        kind gateway formattedGateway
        amountSet { shopMoney { amount } }
        maximumRefundableSet { shopMoney { amount } }
        parentTransaction { id kind gateway }
      }
    }
  }
}`;

describe("suggestedRefund", () => {
  it("suggests what is still refundable per parent SALE, oldest first, less what was refunded", async () => {
    const order = standin.createOrder({ shop: SHOP, total: "1500", paid: "1000" });
    // A second payment on the same order (another M-PESA receipt).
    await gql(
      `mutation P($id: ID!) { orderCreateManualPayment(id: $id, amount: { amount: "500", currencyCode: KES }, paymentMethodName: "M-PESA") { userErrors { message } } }`,
      { id: order.id },
    );
    const full = (await gql(SUGGESTED, { id: order.id })).data.order.suggestedRefund;
    expect(full.amountSet.shopMoney).toEqual({ amount: "1500.0", currencyCode: "KES" });
    expect(full.suggestedTransactions.map((t: any) => [t.kind, t.gateway, t.amountSet.shopMoney.amount])).toEqual([
      ["SUGGESTED_REFUND", "M-PESA", "1000.0"],
      ["SUGGESTED_REFUND", "M-PESA", "500.0"],
    ]);
    expect(full.suggestedTransactions[0].parentTransaction.kind).toBe("SALE");

    expect((await control("POST", `orders/${encodeURIComponent(order.id)}/refund`, { amount: "1200" })).status).toBe(
      201,
    );
    const after = (await gql(SUGGESTED, { id: order.id })).data.order.suggestedRefund;
    expect(after.amountSet.shopMoney.amount).toBe("300.0");
    expect(after.suggestedTransactions.map((t: any) => t.amountSet.shopMoney.amount)).toEqual(["300.0"]);
  });
});

describe("a refund made in the admin (control API)", () => {
  it("refunds the order and sends refunds/create signed with the app secret, which the app's route accepts", async () => {
    standin.setWebhookTarget({ url: appUrl, secret: SECRET });
    const order = standin.createOrder({ shop: SHOP, total: "1500", paid: "1500" });
    const made = await control("POST", `orders/${encodeURIComponent(order.id)}/refund`, {
      amount: "499.50",
      note: "damaged",
    });
    expect(made.status).toBe(201);
    expect(made.body.delivery).toMatchObject({ topic: "refunds/create", status: 200, error: null });
    expect(made.body.order).toMatchObject({ displayFinancialStatus: "PARTIALLY_REFUNDED" });
    expect(received).toHaveLength(1);
    const [hit] = received;
    expect(hit.path).toBe("/webhooks/refunds/create");
    expect(hit.headers).toMatchObject({
      "x-shopify-topic": "refunds/create",
      "x-shopify-shop-domain": SHOP,
      "x-shopify-api-version": "2026-07",
    });
    const expected = crypto.createHmac("sha256", SECRET).update(hit.body, "utf8").digest("base64");
    expect(hit.headers["x-shopify-hmac-sha256"]).toBe(expected);
    const payload = JSON.parse(hit.body);
    const sale = standin.getOrder(order.id)!.transactions.find((t) => t.kind === "SALE")!;
    expect(payload).toMatchObject({
      order_id: Number(order.id.split("/").pop()),
      note: "damaged",
      transactions: [
        {
          kind: "refund",
          status: "success",
          gateway: "M-PESA",
          manual_payment_gateway: true,
          amount: "499.50",
          currency: "KES",
        },
      ],
    });
    expect(`gid://shopify/OrderTransaction/${payload.transactions[0].parent_id}`).toBe(sale.id);

    // The same bytes and headers through the app's real webhook route: the signature holds.
    const headers = new Headers();
    for (const [k, v] of Object.entries(hit.headers)) if (typeof v === "string") headers.set(k, v);
    const res = await deliver(
      refundsCreate,
      new Request("https://my-test-app.myshopify.io/webhooks/refunds/create", {
        method: "POST",
        headers,
        body: hit.body,
      }),
    );
    expect(res.status).toBe(200);
    // Tampered: refused.
    const forged = await deliver(
      refundsCreate,
      new Request("https://my-test-app.myshopify.io/webhooks/refunds/create", {
        method: "POST",
        headers,
        body: hit.body.replace("499.50", "1499.50"),
      }),
    );
    expect(forged.status).toBe(401);
  });

  it("refuses what the admin would: more than is left, nothing left, a bad amount, an unknown order", async () => {
    standin.setWebhookTarget({ url: appUrl, secret: SECRET });
    const order = standin.createOrder({ shop: SHOP, total: "100", paid: "100" });
    const path = `orders/${encodeURIComponent(order.id)}/refund`;
    for (const amount of ["100.01", "0", "-5", "abc", "1.234"])
      expect((await control("POST", path, { amount })).status).toBe(422);
    expect((await control("POST", "orders/gid%3A%2F%2Fshopify%2FOrder%2F999999/refund", {})).status).toBe(404);
    expect((await control("POST", path, {})).body.refund.amount).toBe("100.0"); // all that is left
    expect((await control("POST", path, {})).body).toEqual({ error: "nothing left to refund on this order" });
    const unpaid = standin.createOrder({ shop: SHOP, total: "100" });
    expect((await control("POST", `orders/${encodeURIComponent(unpaid.id)}/refund`, {})).status).toBe(422);
    expect(received).toHaveLength(1);
  });

  it("reports a delivery the app refused or could not take; without a target it only refunds", async () => {
    const order = standin.createOrder({ shop: SHOP, total: "300", paid: "300" });
    const path = `orders/${encodeURIComponent(order.id)}/refund`;
    expect((await control("POST", path, { amount: "10" })).body.delivery).toBeNull();
    expect((await control("POST", "webhooks", { url: appUrl })).status).toBe(400);
    expect((await control("POST", "webhooks", { url: appUrl, secret: SECRET })).status).toBe(200);
    answerStatus = 500;
    expect((await control("POST", path, { amount: "10" })).body.delivery).toMatchObject({ status: 500 });
    await control("POST", "webhooks", { url: "http://127.0.0.1:1", secret: SECRET });
    const down = (await control("POST", path, { amount: "10" })).body.delivery;
    expect(down.status).toBeNull();
    expect(down.error).toBeTruthy();
    expect(standin.getOrder(order.id)!.received).toBe("270.0");
  });
});

describe("the sandbox's 'refund this order in the admin'", () => {
  const config = () => ({
    sandboxMode: true,
    darajaSandboxBaseUrl: "http://127.0.0.1:8089",
    darajaProductionBaseUrl: "http://127.0.0.1:8089",
    adminApiOrigin: standin.url,
  });
  // Only the demo shop's rows matter here (other files' shops may hold production accounts).
  const db = () =>
    ({
      mpesaAccount: { findMany: async () => [] },
      mpesaOrder: prisma.mpesaOrder,
      callbackLog: prisma.callbackLog,
      mpesaReceipt: prisma.mpesaReceipt,
    }) as unknown as Parameters<typeof refundInAdmin>[0];
  const keys = { apiKey: "testApiKey", apiSecret: SECRET };

  it("refunds an M-PESA-paid demo order through the stand-in, which delivers refunds/create; refuses the rest", async () => {
    standin.registerShop(DEMO_SHOP, "shpat_demo");
    standin.setWebhookTarget({ url: appUrl, secret: SECRET });
    const paid = standin.createOrder({ shop: DEMO_SHOP, total: "500", paid: "500" });
    const unpaid = standin.createOrder({ shop: DEMO_SHOP, total: "500" });
    await prisma.mpesaReceipt.create({
      data: {
        receipt: `TSA${Date.now() % 10_000_000}`,
        shopDomain: DEMO_SHOP,
        channel: "STK",
        orderGid: paid.id,
        amountKes: 500,
        shopifyRecordedAt: new Date(),
      },
    });
    for (const amount of ["abc", "-1", "1.234", "1e3"])
      expect(await refundInAdmin(db(), config(), keys, { orderGid: paid.id, amount })).toMatchObject({
        ok: false,
        status: 400,
      });
    expect(await refundInAdmin(db(), config(), keys, { amount: "1" })).toMatchObject({ ok: false, status: 400 });
    expect(await refundInAdmin(db(), config(), keys, { orderGid: unpaid.id })).toMatchObject({
      ok: false,
      status: 409,
      message: "This order was not paid with M-PESA through the app.",
    });
    expect(await refundInAdmin(db(), config(), keys, { orderGid: paid.id, amount: "600" })).toMatchObject({
      ok: false,
      status: 409,
    });
    expect(received).toHaveLength(0);
    expect(await refundInAdmin(db(), config(), keys, { orderGid: paid.id, amount: "200" })).toEqual({
      ok: true,
      refundedAmount: "200.0",
      webhookStatus: 200,
      paymentUrl: null,
    });
    expect(received.map((r) => r.headers["x-shopify-shop-domain"])).toEqual([DEMO_SHOP]);
    expect(
      await refundInAdmin(db(), { ...config(), adminApiOrigin: undefined }, keys, { orderGid: paid.id }),
    ).toMatchObject({
      ok: false,
      status: 503,
    });
  });

  it("is 404 outside sandbox mode", async () => {
    const request = new Request("http://127.0.0.1/sandbox/admin-refund", { method: "POST", body: "{}" });
    for (const run of [adminRefundRoute.action, adminRefundRoute.loader]) {
      const thrown = await run({ request, params: {}, context: {} }).then(
        () => null,
        (e: unknown) => e,
      );
      expect((thrown as Response).status).toBe(404);
    }
  });
});
