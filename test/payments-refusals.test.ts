import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "./support/app-server";
import {
  createOrder,
  eventually,
  pay,
  payStatus,
  seedShop,
  SHOP,
  startHarness,
  type Harness,
} from "./support/payments-harness";

// Daraja says no, or cannot be reached, when the STK Push is sent: no prompt can be on the phone, so
// no attempt may stay PENDING (it would block the order's next Pay and wait for a callback that never
// comes), and the extension must be told in words it can show.

const DOWN_SHOP = "mpesa-daraja-down.myshopify.com"; // production settings -> a Daraja nobody listens on
// Its own consumer key: no token for it is cached in the app yet, so its first Pay must fetch one.
const FRESH_KEY_SHOP = "mpesa-fresh-key.myshopify.com";
const FRESH_KEY = { consumerKey: "fresh-consumer-key", consumerSecret: "fresh-consumer-secret" };
let h: Harness;
beforeAll(async () => {
  const closed = await freePort();
  h = await startHarness({
    appEnv: { DARAJA_PRODUCTION_BASE_URL: `http://127.0.0.1:${closed}` },
    emulator: {
      credentials: [{ consumerKey: "emulator-consumer-key", consumerSecret: "emulator-consumer-secret" }, FRESH_KEY],
    },
  });
  await seedShop(h.db, h.standin, DOWN_SHOP, { environment: "production" });
  await seedShop(h.db, h.standin, FRESH_KEY_SHOP, FRESH_KEY);
});
afterAll(async () => {
  await h?.close();
});

const pushes = () => h.emulator.requests({ path: "/mpesa/stkpush/v1/processrequest" }).length;
const attemptsOf = (orderGid: string) =>
  h.db.paymentAttempt.findMany({ where: { orderGid }, orderBy: { createdAt: "asc" } });
const setShortCode = (businessShortCode: string) =>
  h.db.mpesaAccount.updateMany({ where: { shopDomain: SHOP }, data: { businessShortCode } });

describe("Daraja refuses the STK Push", () => {
  it("500.001.1001 Merchant does not exist: FAILED with the reason, a clear answer, and a new Pay is possible", async () => {
    const order = createOrder(h.standin);
    await setShortCode("600999"); // a shortcode the emulator does not know, as a mistyped paybill would be
    let res;
    try {
      res = await pay(h.app, order.id, "0712 345 630");
    } finally {
      await setShortCode("174379");
    }
    expect(res.status).toBe(200);
    expect(res.body.attempt).toMatchObject({ status: "FAILED", canRetry: true, amountKes: 1500 });
    expect(res.body.attempt.message).toMatch(/did not accept this payment request.*nothing was sent/i);
    const [failed] = await attemptsOf(order.id);
    expect(failed).toMatchObject({
      status: "FAILED",
      liveKey: null,
      failureStage: "stk_push_request",
      checkoutRequestId: null,
    });
    expect(failed.resultDesc).toBe("Daraja refused the STK Push: 500.001.1001 Merchant does not exist");
    expect(failed.completedAt).not.toBeNull();
    expect((await payStatus(h.app, order.id)).body).toMatchObject({
      payable: true,
      attempt: { id: failed.id, status: "FAILED" },
    });

    // The live prompt was released: the next Pay (settings fixed) sends a new prompt that gets paid.
    const retry = await pay(h.app, order.id, "0712 345 630");
    expect(retry.status).toBe(200);
    expect(retry.body.attempt).toMatchObject({ status: "PENDING" });
    expect(retry.body.attempt.id).not.toBe(failed.id);
    await eventually(
      async () =>
        (await h.db.paymentAttempt.findUniqueOrThrow({ where: { id: retry.body.attempt.id } })).recordedInShopifyAt,
      "retry paid",
    );
  });

  it("400.002.02 Invalid field: FAILED with Daraja's words, nothing left pending", async () => {
    const order = createOrder(h.standin);
    h.answerNextStkPush({
      status: 400,
      body: { requestId: "r-1", errorCode: "400.002.02", errorMessage: "Bad Request - Invalid PhoneNumber" },
    });
    const res = await pay(h.app, order.id, "0712 345 631");
    expect(res.status).toBe(200);
    expect(res.body.attempt).toMatchObject({ status: "FAILED", canRetry: true });
    const rows = await attemptsOf(order.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: "FAILED", liveKey: null, failureStage: "stk_push_request" });
    expect(rows[0].resultDesc).toBe("Daraja refused the STK Push: 400.002.02 Bad Request - Invalid PhoneNumber");
  });
});

describe("Daraja down before anything was sent", () => {
  it("OAuth answering 503: 503 with Retry-After, no STK push, no PENDING attempt; Pay works once it is back", async () => {
    const order = createOrder(h.standin, { shop: FRESH_KEY_SHOP });
    h.emulator.setEndpoint("/oauth/v1/generate", { failTimes: 20, failStatus: 503 });
    const before = pushes();
    let res;
    try {
      res = await pay(h.app, order.id, "0712 345 632", { shop: FRESH_KEY_SHOP });
    } finally {
      h.emulator.setEndpoint("/oauth/v1/generate", { failTimes: 0 });
    }
    expect(res.status).toBe(503);
    expect(Number(res.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(res.body.error).toMatchObject({
      code: "TEMPORARILY_UNAVAILABLE",
      message: expect.stringMatching(/try again/i),
    });
    expect(pushes()).toBe(before);
    const rows = await attemptsOf(order.id);
    expect(rows.filter((a) => a.status === "PENDING")).toEqual([]);
    expect(rows.every((a) => a.liveKey === null && a.failureStage === "stk_push_unavailable")).toBe(true);

    const again = await pay(h.app, order.id, "0712 345 632", { shop: FRESH_KEY_SHOP });
    expect(again.status).toBe(200);
    expect(again.body.attempt.status).toBe("PENDING");
  });

  it("spike arrest (500.003.02) on the STK Push: 503, the attempt FAILED and released", async () => {
    const order = createOrder(h.standin);
    h.answerNextStkPush({
      status: 500,
      body: { requestId: "r-2", errorCode: "500.003.02", errorMessage: "Spike arrest violation" },
    });
    const res = await pay(h.app, order.id, "0712 345 633");
    expect(res.status).toBe(503);
    expect(Number(res.headers.get("Retry-After"))).toBeGreaterThan(0);
    const rows = await attemptsOf(order.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: "FAILED", liveKey: null, failureStage: "stk_push_unavailable" });
    expect((await payStatus(h.app, order.id)).body.attempt).toMatchObject({ status: "FAILED", canRetry: true });
  });

  it("connection refused: 503 with Retry-After and no PENDING attempt", async () => {
    const order = createOrder(h.standin, { shop: DOWN_SHOP });
    const res = await pay(h.app, order.id, "0712 345 634", { shop: DOWN_SHOP });
    expect(res.status).toBe(503);
    expect(Number(res.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(res.body.error.code).toBe("TEMPORARILY_UNAVAILABLE");
    const rows = await attemptsOf(order.id);
    expect(rows.filter((a) => a.status === "PENDING" || a.liveKey !== null)).toEqual([]);
  });
});
