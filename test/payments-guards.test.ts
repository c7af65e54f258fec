import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createOrder,
  eventually,
  lastCallbackUrl,
  pay,
  payStatus,
  postCallback,
  seedShop,
  sessionToken,
  shopifyPayments,
  startHarness,
  stkCallbackBody,
  type Harness,
} from "./support/payments-harness";
import { hashCallbackToken } from "../app/modules/daraja-events/common/callback-token.server";

// What must never be recorded as paid, and what must be refused without side effects.

const PROD_SHOP = "mpesa-prod-shop.myshopify.com";
let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    appEnv: { TRUSTED_PROXIES: "loopback", CALLBACK_IP_ALLOWLIST: "127.0.0.1", RATE_LIMIT_PER_PHONE: "3" },
  });
  await seedShop(h.db, h.standin, PROD_SHOP, { environment: "production" });
});
afterAll(async () => {
  await h?.close();
});

const pushes = () => h.emulator.requests({ path: "/mpesa/stkpush/v1/processrequest" }).length;
const attempt = (id: string) => h.db.paymentAttempt.findUniqueOrThrow({ where: { id } });
const processed = (attemptId: string) =>
  eventually(
    async () => (await h.db.callbackLog.count({ where: { attemptId, status: "RECEIVED" } })) === 0,
    "callbacks processed",
  );
/** A PENDING attempt whose real callback never comes (we forge what arrives). */
async function silentAttempt(shop?: string, phone = "0712 345 610") {
  const order = createOrder(h.standin, shop ? { shop } : {});
  h.emulator.setNextOutcome({ api: "stk", outcome: "no_callback" } as any);
  const res = await pay(h.app, order.id, phone, { shop });
  expect(res.status).toBe(200);
  const row = await attempt(res.body.attempt.id);
  return { order, attempt: row, url: lastCallbackUrl(h.emulator) };
}

describe("forged and broken callbacks", () => {
  it("unknown token: acknowledged, kept as IGNORED, nothing else", async () => {
    const before = await h.db.paymentAttempt.count({ where: { status: "SUCCEEDED" } });
    const res = await postCallback(`${h.app.url}/daraja/stk/${"A".repeat(32)}`, stkCallbackBody("ws_CO_forged"));
    expect(res).toEqual({ status: 200, body: { ResultCode: 0, ResultDesc: "Accepted" } });
    // Only metadata is kept for an unknown token (M3, see app/modules/daraja-events/stk-callback/stk-callback.test.ts).
    const log = await h.db.callbackLog.findFirstOrThrow({
      where: { status: "IGNORED", tokenHash: hashCallbackToken("A".repeat(32)) },
    });
    expect(log.attemptId).toBeNull();
    expect(log.body).toBe("");
    expect(await h.db.paymentAttempt.count({ where: { status: "SUCCEEDED" } })).toBe(before);
  });

  it("another attempt's token: ignored, neither attempt paid", async () => {
    const a = await silentAttempt(undefined, "0712 345 611");
    const b = await silentAttempt(undefined, "0712 345 612");
    const res = await postCallback(a.url, stkCallbackBody(b.attempt.checkoutRequestId!, { receipt: "TSTFORGED1" }));
    expect(res.status).toBe(200);
    await processed(a.attempt.id);
    expect((await attempt(a.attempt.id)).status).toBe("PENDING");
    expect((await attempt(b.attempt.id)).status).toBe("PENDING");
    expect(await h.db.callbackLog.findFirstOrThrow({ where: { attemptId: a.attempt.id } })).toMatchObject({
      status: "IGNORED",
    });
    expect(shopifyPayments(h.standin, a.order.id).sales + shopifyPayments(h.standin, b.order.id).sales).toBe(0);
  });

  it("a valid token but STK query says unpaid (production: verified by query): review, not paid", async () => {
    const order = createOrder(h.standin, { shop: PROD_SHOP });
    h.emulator.setNextOutcome({ api: "stk", resultCode: 1032, delivery: "none" } as any);
    const res = await pay(h.app, order.id, "0712 345 613", { shop: PROD_SHOP });
    const row = await attempt(res.body.attempt.id);
    await postCallback(lastCallbackUrl(h.emulator), stkCallbackBody(row.checkoutRequestId!, { receipt: "TSTFORGED2" }));
    // If the verifying STK query still answers "being processed" (the emulator has not finished the
    // prompt yet on a loaded machine), the worker asks again after PENDING_RECOVERY_INTERVAL_SECONDS
    // (15 s): wait for that second answer too.
    const settled = await eventually(
      async () => ((await attempt(row.id)).status !== "PENDING" ? attempt(row.id) : null),
      "settled",
      45_000,
    );
    expect(settled.status).toBe("NEEDS_REVIEW");
    expect(settled.reviewCode).toBe("QUERY_CONTRADICTS");
    expect(settled.mpesaReceipt).toBeNull();
    expect(await h.db.mpesaReceipt.count({ where: { receipt: "TSTFORGED2" } })).toBe(0);
    expect(shopifyPayments(h.standin, order.id).sales).toBe(0);
  }, 60_000);

  it("L1: a forged failure callback on a production shop is verified by STK query: a paid attempt is not ended as cancelled", async () => {
    const order = createOrder(h.standin, { shop: PROD_SHOP });
    // The shopper pays (the emulator's 0004: paid, and no callback from M-PESA), then a forger who
    // knows the callback URL posts "cancelled" from an allowed address.
    const res = await pay(h.app, order.id, "0712 350 004", { shop: PROD_SHOP });
    expect(res.status).toBe(200);
    const row = await attempt(res.body.attempt.id);
    const queries = () =>
      h.emulator
        .requests({ path: "/mpesa/stkpushquery/v1/query" })
        .filter((r) => JSON.stringify(r.body).includes(row.checkoutRequestId!)).length;
    const forged = await postCallback(
      lastCallbackUrl(h.emulator),
      stkCallbackBody(row.checkoutRequestId!, { resultCode: 1032 }),
    );
    expect(forged.status).toBe(200);
    await processed(row.id);
    const settled = await attempt(row.id);
    expect(settled.status).not.toBe("CANCELLED");
    expect(settled).toMatchObject({ status: "NEEDS_REVIEW", reviewCode: "RECEIPT_UNKNOWN", liveKey: null });
    expect(queries()).toBeGreaterThan(0);
    expect((await payStatus(h.app, order.id, { token: await sessionToken(PROD_SHOP) })).body).toMatchObject({
      reason: "UNDER_REVIEW",
    });
  });

  it("production shop: a genuine callback from an allowed address is confirmed by STK query and recorded", async () => {
    const order = createOrder(h.standin, { shop: PROD_SHOP });
    const queries = h.emulator.requests({ path: "/mpesa/stkpushquery/v1/query" }).length;
    const res = await pay(h.app, order.id, "0712 345 617", { shop: PROD_SHOP });
    const done = await eventually(
      () => h.db.paymentAttempt.findFirst({ where: { id: res.body.attempt.id, recordedInShopifyAt: { not: null } } }),
      "recorded",
    );
    expect(done.status).toBe("SUCCEEDED");
    expect(h.emulator.requests({ path: "/mpesa/stkpushquery/v1/query" }).length).toBeGreaterThan(queries);
    expect(shopifyPayments(h.standin, order.id)).toEqual({ mutations: 1, sales: 1 });
  });

  it("a short amount: review (money kept on the ledger for a refund), not paid", async () => {
    const s = await silentAttempt(undefined, "0712 345 614");
    await postCallback(s.url, stkCallbackBody(s.attempt.checkoutRequestId!, { amount: 100, receipt: "TSTSHORT01" }));
    await processed(s.attempt.id);
    const row = await attempt(s.attempt.id);
    expect(row).toMatchObject({ status: "NEEDS_REVIEW", liveKey: null, mpesaReceipt: "TSTSHORT01" });
    expect(row.reviewCode).toBe("AMOUNT_SHORT");
    expect(shopifyPayments(h.standin, s.order.id).sales).toBe(0);
    const status = await payStatus(h.app, s.order.id);
    expect(status.body).toMatchObject({
      payable: false,
      reason: "UNDER_REVIEW",
      attempt: { status: "NEEDS_REVIEW", canRetry: false },
    });
  });

  it("production shop: a callback from an address outside the allowlist is rejected and kept", async () => {
    const s = await silentAttempt(PROD_SHOP, "0712 345 615");
    const res = await postCallback(s.url, stkCallbackBody(s.attempt.checkoutRequestId!), {
      "X-Forwarded-For": "203.0.113.9",
    });
    // Answered like any accepted callback (L7: the answer must not tell a valid token from a guess).
    expect(res).toEqual({ status: 200, body: { ResultCode: 0, ResultDesc: "Accepted" } });
    const log = await h.db.callbackLog.findFirstOrThrow({ where: { attemptId: s.attempt.id } });
    expect(log).toMatchObject({ status: "REJECTED", sourceIp: "203.0.113.9" });
    expect((await attempt(s.attempt.id)).status).toBe("PENDING");
  });

  it("malformed JSON, a non-STK body and an oversized body: clear 4xx, body kept, nothing changed", async () => {
    const s = await silentAttempt(undefined, "0712 345 616");
    const garbage = await postCallback(s.url, "{not json");
    expect(garbage.status).toBe(400);
    expect(garbage.body.ResultDesc).toMatch(/JSON/);
    const notStk = await postCallback(s.url, { hello: "world" });
    expect(notStk.status).toBe(400);
    expect(notStk.body.ResultDesc).toMatch(/not an STK callback/);
    const huge = await postCallback(s.url, JSON.stringify({ pad: "x".repeat(70_000) }));
    expect(huge.status).toBe(413);
    const logs = await h.db.callbackLog.findMany({
      where: { attemptId: s.attempt.id },
      orderBy: { receivedAt: "asc" },
    });
    expect(logs.map((l) => l.status)).toEqual(["REJECTED", "REJECTED", "REJECTED"]);
    expect(logs[0].body).toBe("{not json");
    expect(logs[2].body.length).toBe(64 * 1024);
    expect((await attempt(s.attempt.id)).status).toBe("PENDING");
    // Rejected rows are no work items: never claimed by the worker.
    expect(logs.map((l) => l.claims)).toEqual([0, 0, 0]);
  });
});

describe("refusals and limits", () => {
  it("answers the extension's CORS preflight and refuses requests without a session token", async () => {
    const preflight = await fetch(`${h.app.url}/api/pay`, {
      method: "OPTIONS",
      headers: {
        Origin: "https://extensions.shopifycdn.com",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type",
        "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0",
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("Access-Control-Allow-Origin")).toBe("*");
    const anonymous = await fetch(`${h.app.url}/api/pay`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0" },
      body: JSON.stringify({ orderId: "gid://shopify/Order/1", phone: "0712345678" }),
    });
    expect(anonymous.status).toBe(401);
  });

  it("refuses orders that cannot be paid by M-PESA, with no attempt and no STK push", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ paymentGatewayNames: ["Cash on Delivery (COD)"] }, "NOT_MPESA"],
      [{ paid: "1500.00" }, "ALREADY_PAID"],
      [{ cancelled: true }, "CANCELLED"],
      [{ currencyCode: "USD", presentmentCurrencyCode: "USD" }, "NOT_KES"],
    ];
    const before = pushes();
    for (const [overrides, code] of cases) {
      const order = createOrder(h.standin, overrides);
      const res = await pay(h.app, order.id, "0712345678");
      expect(res.status, code).toBe(409);
      expect(res.body.error.code).toBe(code);
      expect(res.body.error.message).toBeTruthy();
      expect((await payStatus(h.app, order.id)).body).toMatchObject({ payable: false, reason: code });
    }
    const unconfigured = "mpesa-unconfigured.myshopify.com";
    h.standin.registerShop(unconfigured, "shpat_x");
    const order = createOrder(h.standin, { shop: unconfigured });
    expect((await pay(h.app, order.id, "0712345678", { shop: unconfigured })).body.error.code).toBe(
      "SHOP_NOT_CONFIGURED",
    );
    const garbage = await pay(h.app, createOrder(h.standin).id, "12345");
    expect(garbage.status).toBe(422);
    expect(garbage.body.error).toMatchObject({
      code: "INVALID_PHONE",
      message: expect.stringContaining("not a Kenyan mobile number"),
    });
    expect((await payStatus(h.app, "gid://shopify/Order/999999999", { confirmationNumber: "NOSUCH123" })).body).toEqual(
      { payable: false, reason: "ORDER_NOT_FOUND_YET" },
    );
    expect(pushes()).toBe(before);
    expect(await h.db.paymentAttempt.count({ where: { shopDomain: unconfigured } })).toBe(0);
  });

  it("rate limit per phone: 429 with Retry-After, no STK push", async () => {
    const phone = "0712 340 032"; // cancelled at once, so each Pay is a new prompt
    for (let i = 0; i < 3; i++) {
      const res = await pay(h.app, createOrder(h.standin).id, phone);
      expect(res.status).toBe(200);
    }
    const before = pushes();
    const limited = await pay(h.app, createOrder(h.standin).id, phone);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(limited.body.error.code).toBe("RATE_LIMITED");
    expect(pushes()).toBe(before);
    const keys = await h.db.rateLimiterFlexible.findMany();
    expect(keys.some((k) => k.key.includes("254712340032") || k.key.includes("0712340032"))).toBe(false);
  });
});
