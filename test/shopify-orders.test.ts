import { setUpValidSession } from "@shopify/shopify-api/test-helpers";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { resetEnvForTests } from "~/lib/env.server";
import type { AdminGraphql } from "~/modules/shopify/admin-request";
import { ShopifyFinalError, ShopifyRetryableError } from "~/modules/shopify/errors";
import { startShopifyStandin, type ShopifyStandin } from "../shopify-standin/index";

// The orders module through the production path: stored offline session -> unauthenticated.admin ->
// admin.graphql -> (SHOPIFY_ADMIN_API_ORIGIN) -> the stand-in over real HTTP.

const SHOP = "orders-test.myshopify.com";
let standin: ShopifyStandin;
let graphql: AdminGraphql;
let orders: typeof import("~/modules/shopify/orders.server");
let admin: typeof import("~/shopify-admin.server");

beforeAll(async () => {
  standin = await startShopifyStandin();
  process.env.SHOPIFY_ADMIN_API_ORIGIN = standin.url;
  resetEnvForTests();
  const { sessionStorage } = await import("~/shopify.server");
  await sessionStorage.storeSession(setUpValidSession({ shop: SHOP, isOnline: false }));
  admin = await import("~/shopify-admin.server");
  orders = await import("~/modules/shopify/orders.server");
  graphql = await admin.adminGraphqlForShop(SHOP);
});
afterAll(() => standin.close());
beforeEach(() => {
  standin.reset({ shops: true });
  standin.registerShop(SHOP, "totally_real_token");
});

const payment = (orderGid: string, amountKes: number, receipt = "QJK1ABCDEF") => ({
  orderGid,
  amountKes,
  receipt,
  paymentMethodName: "M-PESA",
  processedAt: new Date("2026-11-01T10:00:00Z"),
});
const mutationNames = () => standin.mutations().map((m) => m.operationName);
const rejectionOf = (p: Promise<unknown>) =>
  p.then(
    () => expect.unreachable("expected a rejection"),
    (e: unknown) => e,
  );

describe("getOrderForPayment", () => {
  it("reads the order with amounts rounded up to whole shillings", async () => {
    const created = standin.createOrder({
      shop: SHOP,
      total: "1500.50",
      phone: "+254711000001",
      billingPhone: "0722000002",
    });
    const order = await orders.getOrderForPayment(graphql, created.id);
    expect(order).toMatchObject({
      id: created.id,
      name: "#1001",
      financialStatus: "PENDING",
      canMarkAsPaid: true,
      isCancelled: false,
      isFullyPaid: false,
      currency: "KES",
      outstandingKes: 1501,
      totalKes: 1501,
      outstandingCents: 150050,
      paymentGatewayNames: ["M-PESA"],
      phoneCandidates: ["+254711000001", "0722000002"],
      receiptMetafield: null,
    });
  });

  it("takes KES from shop money when the buyer saw another currency", async () => {
    const created = standin.createOrder({
      shop: SHOP,
      total: "10",
      currencyCode: "KES",
      presentmentCurrencyCode: "USD",
      shopMoneyRate: 129.5,
    });
    const order = await orders.getOrderForPayment(graphql, created.id);
    expect(order).toMatchObject({ currency: "USD", shopCurrency: "KES", outstandingKes: 1295 });
  });

  it("is null for an order Shopify does not know", async () => {
    expect(await orders.getOrderForPayment(graphql, "gid://shopify/Order/1")).toBeNull();
  });
});

describe("recordMpesaPayment", () => {
  it("marks the order paid when the payment covers the balance, then stores the receipt", async () => {
    const created = standin.createOrder({ shop: SHOP, total: "1500.50" });
    expect(await orders.recordMpesaPayment(graphql, payment(created.id, 1501))).toEqual({ outcome: "marked_paid" });
    expect(standin.getOrder(created.id)).toMatchObject({
      displayFinancialStatus: "PAID",
      transactions: [{ kind: "SALE", gateway: "M-PESA", amount: "1500.5" }],
      metafields: [{ namespace: "$app:mpesa", key: "receipt", type: "single_line_text_field", value: "QJK1ABCDEF" }],
      tags: ["mpesa-paid", "mpesa:QJK1ABCDEF"],
    });
    expect(mutationNames()).toEqual(["OrderMarkAsPaid", "MetafieldsSet", "TagsAdd"]);
  });

  it("records a smaller amount as a manual payment under the M-PESA method", async () => {
    const created = standin.createOrder({ shop: SHOP, total: "1000" });
    expect(await orders.recordMpesaPayment(graphql, payment(created.id, 400))).toEqual({ outcome: "manual_payment" });
    const order = standin.getOrder(created.id)!;
    expect(order).toMatchObject({ displayFinancialStatus: "PARTIALLY_PAID", outstanding: "600.0" });
    expect(order.transactions).toMatchObject([
      { gateway: "M-PESA", amount: "400.0", processedAt: "2026-11-01T10:00:00.000Z" },
    ]);
    expect(standin.mutations("OrderCreateManualPayment")[0].variables).toMatchObject({
      amount: { amount: "400.00", currencyCode: "KES" },
    });

    // The rest, with a second receipt: the order is now paid and the metafield holds the latest receipt.
    expect(await orders.recordMpesaPayment(graphql, payment(created.id, 600, "QJK2"))).toEqual({
      outcome: "marked_paid",
    });
    expect(standin.getOrder(created.id)).toMatchObject({
      displayFinancialStatus: "PAID",
      tags: ["mpesa-paid", "mpesa:QJK1ABCDEF", "mpesa:QJK2"],
      metafields: expect.arrayContaining([expect.objectContaining({ key: "receipt", value: "QJK2" })]),
    });
  });

  it("answers already_paid on a re-run without sending any mutation", async () => {
    const full = standin.createOrder({ shop: SHOP });
    const partial = standin.createOrder({ shop: SHOP, total: "1000" });
    await orders.recordMpesaPayment(graphql, payment(full.id, 1500));
    await orders.recordMpesaPayment(graphql, payment(partial.id, 100, "QJKPART"));
    const before = standin.mutations().length;
    expect(await orders.recordMpesaPayment(graphql, payment(full.id, 1500))).toEqual({ outcome: "already_paid" });
    expect(await orders.recordMpesaPayment(graphql, payment(partial.id, 100, "QJKPART"))).toEqual({
      outcome: "already_paid",
    });
    expect(standin.mutations()).toHaveLength(before);
    expect(standin.getOrder(partial.id)?.transactions).toHaveLength(1);
  });

  it("completes a run that crashed after the payment, without paying twice", async () => {
    const crashAfter =
      (operation: string): AdminGraphql =>
      async (query, options) => {
        const response = await graphql(query, options);
        if (query.includes(`mutation ${operation}(`)) throw new Error("process crashed");
        return response;
      };
    const full = standin.createOrder({ shop: SHOP });
    const partial = standin.createOrder({ shop: SHOP, total: "1000" });
    await expect(orders.recordMpesaPayment(crashAfter("OrderMarkAsPaid"), payment(full.id, 1500))).rejects.toThrow();
    await expect(
      orders.recordMpesaPayment(crashAfter("OrderCreateManualPayment"), payment(partial.id, 300)),
    ).rejects.toThrow();

    expect(await orders.recordMpesaPayment(graphql, payment(full.id, 1500))).toEqual({ outcome: "already_paid" });
    expect(await orders.recordMpesaPayment(graphql, payment(partial.id, 300))).toEqual({ outcome: "already_paid" });
    for (const id of [full.id, partial.id]) {
      const order = standin.getOrder(id)!;
      expect(order.transactions).toHaveLength(1);
      expect(order.tags).toEqual(["mpesa-paid", "mpesa:QJK1ABCDEF"]);
      expect(order.metafields).toContainEqual(expect.objectContaining({ key: "receipt", value: "QJK1ABCDEF" }));
    }
    expect(standin.getOrder(partial.id)?.outstanding).toBe("700.0");
  });

  it("reports another receipt already on a paid order instead of overwriting it", async () => {
    const created = standin.createOrder({ shop: SHOP });
    await orders.recordMpesaPayment(graphql, payment(created.id, 1500, "FIRST"));
    expect(await orders.recordMpesaPayment(graphql, payment(created.id, 1500, "SECOND"))).toEqual({
      outcome: "already_paid",
      existingReceipt: "FIRST",
    });
    expect(standin.getOrder(created.id)).toMatchObject({
      transactions: [expect.anything()],
      metafields: [expect.objectContaining({ value: "FIRST" })],
      tags: ["mpesa-paid", "mpesa:FIRST", "mpesa:SECOND"],
    });
  });

  it.each([
    [{ type: "429", retryAfterSeconds: 3 } as const, 3000],
    [{ type: "503" } as const, null],
    [{ type: "throttled" } as const, expect.any(Number)],
  ])("classifies %o as retryable", async (fault, retryAfterMs) => {
    const created = standin.createOrder({ shop: SHOP });
    standin.addFault({ ...fault, only: "mutations" });
    const error = await rejectionOf(orders.recordMpesaPayment(graphql, payment(created.id, 1500)));
    expect(error).toBeInstanceOf(ShopifyRetryableError);
    expect((error as ShopifyRetryableError).retryAfterMs).toEqual(retryAfterMs);
    expect(standin.getOrder(created.id)?.displayFinancialStatus).toBe("PENDING");
    // The job retries later: the same call now succeeds.
    expect(await orders.recordMpesaPayment(graphql, payment(created.id, 1500))).toEqual({ outcome: "marked_paid" });
  });

  it("refuses a cancelled order with a final error and no mutation", async () => {
    const created = standin.createOrder({ shop: SHOP, cancelled: true });
    const error = await rejectionOf(orders.recordMpesaPayment(graphql, payment(created.id, 1500)));
    expect(error).toBeInstanceOf(ShopifyFinalError);
    expect((error as ShopifyFinalError).code).toBe("ORDER_CANCELLED");
    expect(standin.mutations()).toEqual([]);
  });

  it("gives final errors for an unknown order, a revoked token and a shop without a session", async () => {
    const unknown = await rejectionOf(orders.recordMpesaPayment(graphql, payment("gid://shopify/Order/1", 10)));
    expect(unknown).toMatchObject({ name: "ShopifyFinalError", code: "ORDER_NOT_FOUND" });

    standin.registerShop(SHOP, "rotated-token");
    const created = standin.createOrder({ shop: SHOP });
    const unauthorized = await rejectionOf(orders.recordMpesaPayment(graphql, payment(created.id, 1500)));
    expect(unauthorized).toMatchObject({ name: "ShopifyFinalError", code: "HTTP_401", httpStatus: 401 });

    const noSession = await rejectionOf(admin.adminGraphqlForShop("not-installed.myshopify.com"));
    expect(noSession).toMatchObject({ name: "ShopifyFinalError", code: "NO_SESSION" });
  });
});
