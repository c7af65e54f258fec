import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createOrder,
  customerAccountToken,
  eventually,
  lastCallbackUrl,
  pay,
  payStatus,
  postCallback,
  shopifyPayments,
  startHarness,
  stkCallbackBody,
  type Harness,
} from "./support/payments-harness";

// The payment flow end to end through real HTTP: checkout extension request -> the built app ->
// Daraja emulator (STK Push, callback) -> job worker -> Shopify stand-in.

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    appEnv: {
      PENDING_RECOVERY_AFTER_SECONDS: "1",
      PENDING_RECOVERY_INTERVAL_SECONDS: "1",
      PENDING_RECOVERY_MAX_QUERIES: "5",
    },
  });
});
afterAll(async () => {
  await h?.close();
});

const attemptsOf = (orderGid: string) =>
  h.db.paymentAttempt.findMany({ where: { orderGid }, orderBy: { createdAt: "asc" } });
const recorded = (orderGid: string) =>
  eventually(
    () => h.db.paymentAttempt.findFirst({ where: { orderGid, recordedInShopifyAt: { not: null } } }),
    "payment recorded in Shopify",
  );
const settled = (id: string) =>
  eventually(async () => {
    const a = await h.db.paymentAttempt.findUniqueOrThrow({ where: { id } });
    return a.status === "PENDING" ? null : a;
  }, "attempt settled");

describe("payment flow", () => {
  it("happy path: Pay -> STK push -> callback -> order paid in Shopify with the receipt", async () => {
    const order = createOrder(h.standin);
    const res = await pay(h.app, order.id, "0712 345 678");
    expect(res.status).toBe(200);
    expect(res.body.attempt).toMatchObject({
      status: "PENDING",
      amountKes: 1500,
      phoneMasked: "2547****5678",
      canRetry: false,
    });
    const push = h.emulator.requests({ path: "/mpesa/stkpush/v1/processrequest" }).at(-1)!;
    // The browser's amount (1) is ignored: Shopify's outstanding balance is charged.
    expect(push.body).toMatchObject({
      Amount: 1500,
      PartyA: 254712345678,
      AccountReference: `INV${order.name.slice(1)}`,
    });

    const attempt = await recorded(order.id);
    expect(attempt.status).toBe("SUCCEEDED");
    expect(attempt.liveKey).toBeNull();
    const paid = h.standin.getOrder(order.id)!;
    expect(paid.displayFinancialStatus).toBe("PAID");
    expect(paid.tags).toContain(`mpesa:${attempt.mpesaReceipt}`);
    expect(paid.metafields).toContainEqual(expect.objectContaining({ key: "receipt", value: attempt.mpesaReceipt }));
    expect(shopifyPayments(h.standin, order.id)).toEqual({ mutations: 1, sales: 1 });

    const status = await payStatus(h.app, order.id);
    expect(status.status).toBe(200);
    expect(status.body.attempt).toMatchObject({ status: "SUCCEEDED", receipt: attempt.mpesaReceipt });
    expect(status.body.attempt.message).toContain(attempt.mpesaReceipt);
    // Paid: a new Pay is refused without touching Daraja.
    const pushes = h.emulator.requests({ path: "/mpesa/stkpush/v1/processrequest" }).length;
    expect((await pay(h.app, order.id, "0712345678")).body.error.code).toBe("ALREADY_PAID");
    expect(h.emulator.requests({ path: "/mpesa/stkpush/v1/processrequest" }).length).toBe(pushes);
  });

  it("cancelled (1032), then a retry that succeeds: one payment", async () => {
    const order = createOrder(h.standin);
    const first = await pay(h.app, order.id, "0712 340 032");
    const cancelled = await settled(first.body.attempt.id);
    expect(cancelled).toMatchObject({ status: "CANCELLED", resultCode: "1032", liveKey: null });
    const status = await payStatus(h.app, order.id);
    expect(status.body).toMatchObject({ payable: true, attempt: { status: "CANCELLED", canRetry: true } });

    const retry = await pay(h.app, order.id, "0712 345 678");
    expect(retry.body.attempt.id).not.toBe(first.body.attempt.id);
    const ok = await recorded(order.id);
    expect(ok.id).toBe(retry.body.attempt.id);
    expect(shopifyPayments(h.standin, order.id)).toEqual({ mutations: 1, sales: 1 });
  });

  it("a callback that arrives before the STK Push answer is applied once the answer is stored", async () => {
    const order = createOrder(h.standin);
    h.holdStkAnswerMs(600);
    try {
      const res = await pay(h.app, order.id, "0712 345 601");
      expect(res.status).toBe(200);
    } finally {
      h.holdStkAnswerMs(0);
    }
    const callbacks = h.emulator.callbacks().filter((c) => c.url === lastCallbackUrl(h.emulator));
    expect(callbacks.length).toBe(1);
    const attempt = await recorded(order.id);
    expect(attempt.checkoutRequestId).toBe((callbacks[0].body as any).Body.stkCallback.CheckoutRequestID);
    expect(shopifyPayments(h.standin, order.id)).toEqual({ mutations: 1, sales: 1 });
  });

  it("one live prompt per order: concurrent Pay requests get the same attempt and one STK push", async () => {
    const order = createOrder(h.standin);
    h.emulator.setNextOutcome({ api: "stk", resultCode: 1037, delivery: "none" } as any);
    const before = h.emulator.requests({ path: "/mpesa/stkpush/v1/processrequest" }).length;
    const results = await Promise.all(Array.from({ length: 6 }, () => pay(h.app, order.id, "0712 345 602")));
    expect(results.map((r) => r.status)).toEqual(Array(6).fill(200));
    expect(new Set(results.map((r) => r.body.attempt.id)).size).toBe(1);
    expect(h.emulator.requests({ path: "/mpesa/stkpush/v1/processrequest" }).length - before).toBe(1);
    expect(await attemptsOf(order.id)).toHaveLength(1);
    // 1037 with no callback at all: the recovery query settles it.
    const timedOut = await settled(results[0].body.attempt.id);
    expect(timedOut).toMatchObject({ status: "TIMED_OUT", resultCode: "1037" });
    expect(h.emulator.requests({ path: "/mpesa/stkpushquery/v1/query" }).length).toBeGreaterThan(0);
  });

  it("Shopify 429, 503 and THROTTLED before success: exactly one payment recorded", async () => {
    const order = createOrder(h.standin);
    h.holdStkAnswerMs(300); // the faults must meet the recording job, not the Pay request's order read
    try {
      const res = pay(h.app, order.id, "0712 345 603");
      await eventually(
        () =>
          h.emulator
            .requests({ path: "/mpesa/stkpush/v1/processrequest" })
            .some((r) => (r.body as any).PartyA === 254712345603),
        "push sent",
      );
      h.standin.addFault({ type: "429", count: 1, only: "mutations", retryAfterSeconds: 0 });
      h.standin.addFault({ type: "503", count: 1, only: "mutations" });
      h.standin.addFault({ type: "throttled", count: 1, only: "mutations" });
      expect((await res).status).toBe(200);
    } finally {
      h.holdStkAnswerMs(0);
    }
    const attempt = await recorded(order.id);
    expect(attempt.status).toBe("SUCCEEDED");
    expect(h.standin.faults()).toHaveLength(0);
    expect(shopifyPayments(h.standin, order.id)).toEqual({ mutations: 1, sales: 1 });
    expect(h.standin.getOrder(order.id)!.displayFinancialStatus).toBe("PAID");
  });

  it("50 identical success callbacks at once: one payment, one Shopify payment mutation", async () => {
    const order = createOrder(h.standin);
    h.emulator.setNextOutcome({ api: "stk", outcome: "no_callback" } as any);
    const res = await pay(h.app, order.id, "0712 345 604");
    const attempt = await h.db.paymentAttempt.findUniqueOrThrow({ where: { id: res.body.attempt.id } });
    const body = stkCallbackBody(attempt.checkoutRequestId!, { receipt: "TST5XK91QA" });
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => postCallback(lastCallbackUrl(h.emulator), body)),
    );
    expect(answers.every((a) => a.status === 200 && a.body.ResultCode === 0)).toBe(true);
    const done = await recorded(order.id);
    expect(done).toMatchObject({ status: "SUCCEEDED", mpesaReceipt: "TST5XK91QA" });
    await eventually(
      async () => (await h.db.callbackLog.count({ where: { attemptId: attempt.id, status: "RECEIVED" } })) === 0,
      "all callbacks processed",
    );
    expect(await h.db.callbackLog.count({ where: { attemptId: attempt.id } })).toBe(50);
    expect(await h.db.mpesaReceipt.count({ where: { receipt: "TST5XK91QA" } })).toBe(1);
    expect(
      await h.db.job.count({ where: { type: "record-payment-in-shopify", dedupeKey: `record:${attempt.id}` } }),
    ).toBe(1);
    expect(shopifyPayments(h.standin, order.id)).toEqual({ mutations: 1, sales: 1 });
  });

  it("customer-account surface: Pay and status from the order-status page, signed as a customer-account session", async () => {
    // The token's customer (the harness default) is the order's buyer.
    const order = createOrder(h.standin, { customerId: "gid://shopify/Customer/7001" });
    const surface = "customer-account" as const;
    const before = await payStatus(h.app, order.id, { surface });
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({ payable: true, order: { name: order.name, amountKes: 1500 } });

    const res = await pay(h.app, order.id, "0712 345 605", { surface });
    expect(res.status).toBe(200);
    expect(res.body.attempt).toMatchObject({ status: "PENDING", amountKes: 1500 });
    const attempt = await recorded(order.id);
    expect(attempt).toMatchObject({
      id: res.body.attempt.id,
      status: "SUCCEEDED",
      shopDomain: "mpesa-pay-shop.myshopify.com",
    });
    expect(shopifyPayments(h.standin, order.id)).toEqual({ mutations: 1, sales: 1 });
    const after = await payStatus(h.app, order.id, { surface });
    expect(after.body.attempt).toMatchObject({ status: "SUCCEEDED", receipt: attempt.mpesaReceipt });

    // A token not signed with the app's secret is refused on this surface too, before any work.
    const forged = await customerAccountToken(undefined, { secret: "not-the-app-secret" });
    const pushes = h.emulator.requests({ path: "/mpesa/stkpush/v1/processrequest" }).length;
    expect((await pay(h.app, createOrder(h.standin).id, "0712 345 605", { surface, token: forged })).status).toBe(401);
    expect((await payStatus(h.app, order.id, { surface, token: forged })).status).toBe(401);
    expect(h.emulator.requests({ path: "/mpesa/stkpush/v1/processrequest" }).length).toBe(pushes);
  });

  it("customer-account surface: another signed-in customer cannot see or pay someone else's order", async () => {
    const order = createOrder(h.standin, { customerId: "gid://shopify/Customer/7001" });
    await pay(h.app, order.id, "0712 345 605"); // the buyer starts a payment from the thank-you page
    const stranger = await customerAccountToken(undefined, { customerGid: "gid://shopify/Customer/9999" });
    const pushes = h.emulator.requests({ path: "/mpesa/stkpush/v1/processrequest" }).length;

    const status = await payStatus(h.app, order.id, { surface: "customer-account", token: stranger });
    expect(status.status).toBe(200);
    // Indistinguishable from an order that does not exist: no name, amount or attempt leaks.
    expect(status.body).toEqual({ payable: false, reason: "ORDER_NOT_FOUND_YET" });

    const res = await pay(h.app, order.id, "0799 000 111", { surface: "customer-account", token: stranger });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("ORDER_NOT_FOUND_YET");
    expect(h.emulator.requests({ path: "/mpesa/stkpush/v1/processrequest" }).length).toBe(pushes);
    expect(await h.db.paymentAttempt.count({ where: { orderGid: order.id } })).toBe(1);
  });
});
