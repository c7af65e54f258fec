import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startShopifyStandin, type ShopifyStandin } from "../shopify-standin/index";

// The stand-in over real HTTP, as the app and the sandbox use it.

const SHOP = "standin-test.myshopify.com";
const TOKEN = "shpat_test_token";
let standin: ShopifyStandin;

beforeAll(async () => {
  standin = await startShopifyStandin();
});
afterAll(() => standin.close());
beforeEach(async () => {
  await control("POST", "reset", { shops: true });
  await control("POST", "shops", { shop: SHOP, accessToken: TOKEN });
});

async function control(method: string, path: string, body?: unknown) {
  const res = await fetch(`${standin.url}/__standin/${path}`, {
    method,
    headers: { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

async function gql(
  query: string,
  variables: Record<string, unknown> = {},
  opts: { token?: string; shop?: string } = {},
) {
  const res = await fetch(`${standin.url}/${opts.shop ?? SHOP}/admin/api/2026-07/graphql.json`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Shopify-Access-Token": opts.token ?? TOKEN },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as any };
}

const ORDER = `query Order($id: ID!) {
  order(id: $id) {
    id name displayFinancialStatus canMarkAsPaid paymentGatewayNames currencyCode presentmentCurrencyCode phone
    totalOutstandingSet { shopMoney { amount currencyCode } presentmentMoney { amount currencyCode } }
    customer { id defaultPhoneNumber { phoneNumber } } billingAddress { phone } shippingAddress { phone } cancelledAt
    transactions(first: 10) { kind status gateway manualPaymentGateway amountSet { presentmentMoney { amount currencyCode } } }
    metafield(namespace: "$app:mpesa", key: "receipt") { value }
    tags
  }
}`;
const MARK_PAID = `mutation MarkPaid($id: ID!) { orderMarkAsPaid(input: { id: $id }) { order { displayFinancialStatus canMarkAsPaid } userErrors { field message } } }`;
const MANUAL = `mutation Manual($id: ID!, $amount: MoneyInput, $name: String) {
  orderCreateManualPayment(id: $id, amount: $amount, paymentMethodName: $name) {
    order { displayFinancialStatus totalOutstandingSet { presentmentMoney { amount } } } userErrors { field message code }
  }
}`;
const METAFIELDS = `mutation Meta($m: [MetafieldsSetInput!]!) { metafieldsSet(metafields: $m) { metafields { key value } userErrors { field message code } } }`;
const TAGS = `mutation Tags($id: ID!, $tags: [String!]!) { tagsAdd(id: $id, tags: $tags) { node { id } userErrors { message } } }`;

const createOrder = async (body: Record<string, unknown> = {}) =>
  (await control("POST", "orders", { shop: SHOP, ...body })).body.order;

describe("authentication and validation", () => {
  it("answers 401 like Shopify for a wrong or missing access token", async () => {
    const res = await gql(`query Shop { shop { name } }`, {}, { token: "wrong" });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      errors: "[API] Invalid API key or access token (unrecognized login or wrong password)",
    });
    expect((await gql(`query Shop { shop { name } }`, {}, { shop: "other.myshopify.com" })).status).toBe(401);
  });

  it("rejects a document the Admin schema does not accept, and records it", async () => {
    const bad = `query Bad($id: ID!) { order(id: $id) { id financialStatus } }`;
    const res = await gql(bad, { id: "gid://shopify/Order/1" });
    expect(res.status).toBe(200);
    expect(res.body.data).toBeUndefined();
    expect(res.body.errors[0]).toMatchObject({
      message: expect.stringContaining("financialStatus"),
      extensions: { code: "undefinedField" },
    });
    expect(res.body.errors[0].locations[0]).toEqual({ line: 1, column: bad.indexOf("financialStatus") + 1 });
    const { body } = await control("GET", "rejected");
    expect(body.rejected).toHaveLength(1);
    expect(body.rejected[0]).toMatchObject({ operationName: "Bad", outcome: "rejected" });
  });

  it("rejects syntax errors and wrong variable types", async () => {
    expect((await gql(`query Broken { order(id: "1") { id }`)).body.errors[0].extensions.code).toBe("parseError");
    const wrongType = await gql(MANUAL, {
      id: "gid://shopify/Order/1",
      amount: { amount: "1", currencyCode: "SHILLINGS" },
    });
    expect(wrongType.body.errors[0].message).toMatch(/SHILLINGS/);
    expect(standin.rejected()).toHaveLength(2);
  });
});

describe("orders", () => {
  it("creates orders with sensible defaults and a per-shop number sequence", async () => {
    const first = await createOrder();
    const second = await createOrder({ total: "250.5" });
    expect(first).toMatchObject({
      name: "#1001",
      currencyCode: "KES",
      displayFinancialStatus: "PENDING",
      total: "1500.0",
      paymentGatewayNames: ["M-PESA"],
    });
    expect(second).toMatchObject({ name: "#1002", outstanding: "250.5" });
    const res = await gql(ORDER, { id: first.id });
    expect(res.body.data.order).toMatchObject({
      id: first.id,
      canMarkAsPaid: true,
      totalOutstandingSet: { shopMoney: { amount: "1500.0", currencyCode: "KES" } },
      customer: { defaultPhoneNumber: { phoneNumber: "+254708374149" } },
      billingAddress: null,
      metafield: null,
      transactions: [],
    });
    expect(res.body.extensions.cost.throttleStatus).toMatchObject({ maximumAvailable: 2000, restoreRate: 100 });
  });

  it("answers order: null for an unknown order or another shop's order", async () => {
    await control("POST", "shops", { shop: "other.myshopify.com", accessToken: "other" });
    const theirs = (await control("POST", "orders", { shop: "other.myshopify.com" })).body.order;
    expect((await gql(ORDER, { id: theirs.id })).body.data.order).toBeNull();
    expect((await gql(ORDER, { id: "gid://shopify/Order/42" })).body.data.order).toBeNull();
  });

  it("goes through partial payment, mark as paid, metafields and tags", async () => {
    const order = await createOrder({ total: "1000" });
    const partial = await gql(MANUAL, { id: order.id, amount: { amount: "400", currencyCode: "KES" }, name: "M-PESA" });
    expect(partial.body.data.orderCreateManualPayment).toEqual({
      order: {
        displayFinancialStatus: "PARTIALLY_PAID",
        totalOutstandingSet: { presentmentMoney: { amount: "600.0" } },
      },
      userErrors: [],
    });

    const errorCode = async (amount: unknown, id = order.id) =>
      (await gql(MANUAL, { id, amount })).body.data.orderCreateManualPayment.userErrors[0]?.code;
    expect(await errorCode({ amount: "601", currencyCode: "KES" })).toBe("AMOUNT_EXCEEDS_BALANCE");
    expect(await errorCode({ amount: "0", currencyCode: "KES" })).toBe("AMOUNT_NOT_POSITIVE");
    expect(await errorCode({ amount: "10", currencyCode: "USD" })).toBe("CURRENCY_MISMATCH");
    expect(await errorCode({ amount: "10", currencyCode: "KES" }, "gid://shopify/Order/42")).toBe("ORDER_NOT_FOUND");

    const paid = await gql(MARK_PAID, { id: order.id });
    expect(paid.body.data.orderMarkAsPaid).toEqual({
      order: { displayFinancialStatus: "PAID", canMarkAsPaid: false },
      userErrors: [],
    });
    const again = await gql(MARK_PAID, { id: order.id });
    expect(again.body.data.orderMarkAsPaid.userErrors[0].message).toMatch(/already been paid/);

    const meta = (value: string) => [
      { ownerId: order.id, namespace: "$app:mpesa", key: "receipt", type: "single_line_text_field", value },
    ];
    await gql(METAFIELDS, { m: meta("QJK1") });
    expect((await gql(METAFIELDS, { m: meta("QJK2") })).body.data.metafieldsSet.userErrors).toEqual([]);
    await gql(TAGS, { id: order.id, tags: ["mpesa-paid", "mpesa:QJK2"] });
    await gql(TAGS, { id: order.id, tags: ["mpesa-paid"] });

    const { body } = await control("GET", `orders/${encodeURIComponent(order.id)}`);
    expect(body.order).toMatchObject({
      displayFinancialStatus: "PAID",
      outstanding: "0.0",
      metafields: [{ namespace: "$app:mpesa", key: "receipt", type: "single_line_text_field", value: "QJK2" }],
      tags: ["mpesa-paid", "mpesa:QJK2"],
    });
    expect(body.order.transactions.map((t: any) => [t.kind, t.status, t.gateway, t.amount])).toEqual([
      ["SALE", "SUCCESS", "M-PESA", "400.0"],
      ["SALE", "SUCCESS", "M-PESA", "600.0"],
    ]);
    const mutations = standin.mutations().map((m) => m.operationName);
    expect(mutations).toEqual([
      "Manual",
      "Manual",
      "Manual",
      "Manual",
      "Manual",
      "MarkPaid",
      "MarkPaid",
      "Meta",
      "Meta",
      "Tags",
      "Tags",
    ]);
    expect(standin.mutations("MarkPaid")[0].variables).toEqual({ id: order.id });
  });

  it("refuses to mark a cancelled order as paid", async () => {
    const order = await createOrder();
    expect((await control("POST", `orders/${order.legacyResourceId}/cancel`)).body.order.canMarkAsPaid).toBe(false);
    const res = await gql(MARK_PAID, { id: order.id });
    expect(res.body.data.orderMarkAsPaid).toMatchObject({
      order: { canMarkAsPaid: false },
      userErrors: [{ message: expect.stringMatching(/cancelled/) }],
    });
    expect(standin.getOrder(order.id)?.transactions).toEqual([]);
  });

  it("keeps metafieldsSet atomic: one invalid input writes nothing", async () => {
    const order = await createOrder();
    const res = await gql(METAFIELDS, {
      m: [
        { ownerId: order.id, namespace: "$app:mpesa", key: "receipt", type: "single_line_text_field", value: "A" },
        { ownerId: order.id, namespace: "$app:mpesa", key: "x", value: "B" },
      ],
    });
    expect(res.body.data.metafieldsSet.userErrors[0]).toMatchObject({
      code: expect.any(String),
      field: ["metafields", "1", "key"],
    });
    expect(standin.getOrder(order.id)?.metafields).toEqual([]);
  });

  const REFUND = `mutation Refund($input: RefundInput!, $key: String!) { refundCreate(input: $input) @idempotent(key: $key) { refund { id totalRefundedSet { shopMoney { amount } } } userErrors { message } } }`;
  const refundInput = (orderId: string, amount: string) => ({
    orderId,
    transactions: [{ orderId, kind: "REFUND", gateway: "M-PESA", amount }],
  });

  it("records refunds", async () => {
    const order = await createOrder({ total: "100", paid: "100" });
    const res = await gql(REFUND, { input: refundInput(order.id, "40"), key: "refund-key-1" });
    expect(res.body.data.refundCreate.refund.totalRefundedSet.shopMoney.amount).toBe("40.0");
    expect(standin.getOrder(order.id)).toMatchObject({
      displayFinancialStatus: "PARTIALLY_REFUNDED",
      received: "60.0",
    });
  });

  it("refundCreate is idempotent on its key: a replay answers the same refund and records nothing twice", async () => {
    const order = await createOrder({ total: "100", paid: "100" });
    const first = await gql(REFUND, { input: refundInput(order.id, "30"), key: "mpesa-refund:TKREPLAY01" });
    const again = await gql(REFUND, { input: refundInput(order.id, "30"), key: "mpesa-refund:TKREPLAY01" });
    expect(again.body.data.refundCreate.refund.id).toBe(first.body.data.refundCreate.refund.id);
    expect(standin.getOrder(order.id)!.transactions.filter((t) => t.kind === "REFUND")).toHaveLength(1);
    const other = await gql(REFUND, { input: refundInput(order.id, "30"), key: "mpesa-refund:TKREPLAY02" });
    expect(other.body.data.refundCreate.refund.id).not.toBe(first.body.data.refundCreate.refund.id);
    expect(standin.getOrder(order.id)!.received).toBe("40.0");
  });

  it("refundCreate without an idempotency key, or with a blank one, is refused (required from 2026-04)", async () => {
    const order = await createOrder({ total: "100", paid: "100" });
    const bare = await gql(
      `mutation Refund($input: RefundInput!) { refundCreate(input: $input) { refund { id } userErrors { message } } }`,
      { input: refundInput(order.id, "10") },
    );
    expect(JSON.stringify(bare.body.errors)).toMatch(/idempotent/);
    const blank = await gql(REFUND, { input: refundInput(order.id, "10"), key: "  " });
    expect(JSON.stringify(blank.body.errors)).toMatch(/idempotent/);
    expect(standin.getOrder(order.id)!.transactions.filter((t) => t.kind === "REFUND")).toHaveLength(0);
  });
});

describe("faults", () => {
  it("answers 429 with Retry-After, then 503, then serves again", async () => {
    const order = await createOrder();
    await control("POST", "faults", { faults: [{ type: "429", retryAfterSeconds: 3 }, { type: "503" }] });
    const throttled = await gql(ORDER, { id: order.id });
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get("retry-after")).toBe("3");
    expect((await gql(ORDER, { id: order.id })).status).toBe(503);
    expect((await gql(ORDER, { id: order.id })).body.data.order.id).toBe(order.id);
    expect(standin.requests().map((r) => r.outcome)).toEqual(["faulted", "faulted", "ok"]);
  });

  it("throttles only mutations, or only one operation, when asked", async () => {
    const order = await createOrder();
    standin.addFault({ type: "throttled", only: "mutations", count: 2 });
    expect((await gql(ORDER, { id: order.id })).body.data.order).not.toBeNull();
    const res = await gql(MARK_PAID, { id: order.id });
    expect(res.status).toBe(200);
    expect(res.body.errors).toEqual([
      { message: "Throttled", extensions: expect.objectContaining({ code: "THROTTLED" }) },
    ]);
    expect(res.body.extensions.cost.throttleStatus.currentlyAvailable).toBe(0);
    expect((await gql(TAGS, { id: order.id, tags: ["x"] })).body.errors[0].extensions.code).toBe("THROTTLED");
    expect((await gql(TAGS, { id: order.id, tags: ["x"] })).body.data.tagsAdd.userErrors).toEqual([]);

    standin.addFault({ type: "503", operationName: "MarkPaid" });
    expect((await gql(TAGS, { id: order.id, tags: ["y"] })).status).toBe(200);
    expect((await gql(MARK_PAID, { id: order.id })).status).toBe(503);
    expect((await control("GET", "faults")).body.faults).toEqual([]);
  });
});

describe("shop plan", () => {
  it("answers shop { plan { partnerDevelopment } }: a development store unless registered as a live store", async () => {
    const PLAN = "query ShopPlan { shop { plan { partnerDevelopment } } }";
    expect((await gql(PLAN)).body).toMatchObject({ data: { shop: { plan: { partnerDevelopment: true } } } });
    expect((await control("POST", "shops", { shop: SHOP, accessToken: TOKEN, developmentStore: false })).body).toEqual({
      shop: SHOP,
      developmentStore: false,
    });
    expect((await gql(PLAN)).body).toMatchObject({ data: { shop: { plan: { partnerDevelopment: false } } } });
  });
});
