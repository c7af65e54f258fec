import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postForm } from "./settings.helpers";
import {
  createOrder,
  eventually,
  pay,
  SHOP,
  shopifyPayments,
  startHarness,
  stkCallbackBody,
  type Harness,
} from "./support/payments-harness";

// Replay and re-verify on /app/payments/:id through real HTTP: the built app with its worker, the
// Daraja emulator and the Shopify stand-in. Replay stores the callback again and the worker applies it
// through the normal inbound-event path; re-verify is an STK Push Query now.
// Emulator phones: ...0004 pays but never sends a callback (the query says "0").

let h: Harness;
beforeAll(async () => {
  // No recovery sweep during the test: only the merchant's acts move the attempts.
  h = await startHarness({ appEnv: { PENDING_RECOVERY_AFTER_SECONDS: "3600" } });
});
afterAll(async () => {
  await h?.close();
});

const ROUTE_DATA = `_data=${encodeURIComponent("routes/app.payments.$id")}`;

/** A form post on the payment page as the embedded admin sends it (session token of the shop). */
async function pagePost(attemptId: string, fields: Record<string, string>) {
  const signed = await postForm(`/app/payments/${attemptId}?${ROUTE_DATA}`, fields, SHOP);
  const url = new URL(signed.url);
  const res = await fetch(`${h.app.url}${url.pathname}${url.search}`, {
    method: "POST",
    headers: {
      ...Object.fromEntries([...signed.headers.entries()].filter(([k]) => k !== "content-length")),
      // shopify-app-remix answers 410 to bot user agents.
      "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
    },
    body: new URLSearchParams(fields),
  });
  const text = await res.text();
  if (!text.startsWith("{"))
    throw new Error(`${res.status} ${[...res.headers.entries()].join(";")} ${text.slice(0, 300)}`);
  return { status: res.status, body: JSON.parse(text) as { ok: boolean; message?: string; error?: string } };
}

const attemptOf = (orderGid: string) =>
  eventually(() => h.db.paymentAttempt.findFirst({ where: { orderGid } }), "attempt stored");
const rowsOf = (attemptId: string) =>
  h.db.callbackLog.findMany({ where: { attemptId }, orderBy: [{ receivedAt: "asc" }, { id: "asc" }] });

describe("replaying a stored callback", () => {
  it("changes nothing when the callback was already applied", { timeout: 60_000 }, async () => {
    const order = createOrder(h.standin);
    expect((await pay(h.app, order.id, "0712 345 678")).status).toBe(200);
    const paid = await eventually(
      () => h.db.paymentAttempt.findFirst({ where: { orderGid: order.id, recordedInShopifyAt: { not: null } } }),
      "paid and recorded in Shopify",
    );
    const [original] = await rowsOf(paid.id);
    expect(original.status).toBe("PROCESSED");
    const before = shopifyPayments(h.standin, order.id);
    expect(before).toEqual({ mutations: 1, sales: 1 });

    const res = await pagePost(paid.id, { intent: "replay-callback", callbackId: original.id });
    expect(res).toEqual({
      status: 200,
      body: expect.objectContaining({ ok: true, message: expect.stringContaining("already paid") }),
    });
    const copy = await eventually(async () => {
      const rows = await rowsOf(paid.id);
      return rows.length === 2 && rows[1].status !== "RECEIVED" ? rows[1] : null;
    }, "replay processed");
    expect(copy).toMatchObject({
      status: "PROCESSED",
      error: "no change: attempt already SUCCEEDED",
      body: original.body,
    });
    expect(JSON.parse(copy.headers)).toMatchObject({ "x-mpesa-replay-of": original.id });
    const after = await h.db.paymentAttempt.findUniqueOrThrow({ where: { id: paid.id } });
    expect(after).toEqual(paid);
    expect(await h.db.mpesaReceipt.count({ where: { receipt: paid.mpesaReceipt! } })).toBe(1);
    // Let any job the replay could have made run, then check Shopify again.
    await new Promise((r) => setTimeout(r, 500));
    expect(shopifyPayments(h.standin, order.id)).toEqual(before);
  });

  it(
    "applies a callback that never was applied, once; replaying it again changes nothing",
    { timeout: 60_000 },
    async () => {
      const order = createOrder(h.standin);
      expect((await pay(h.app, order.id, "0712 340 004")).status).toBe(200);
      const attempt = await eventually(async () => {
        const a = await attemptOf(order.id);
        return a.checkoutRequestId ? a : null;
      }, "push answered");
      expect(attempt.status).toBe("PENDING");
      // The callback arrived but its processing died (e.g. the database was down for every retry).
      const dead = await h.db.callbackLog.create({
        data: {
          kind: "STK",
          path: "/daraja/stk/:token",
          tokenHash: attempt.callbackTokenHash,
          sourceIp: "196.201.214.200",
          headers: "{}",
          body: JSON.stringify(stkCallbackBody(attempt.checkoutRequestId!, { receipt: "RPLY0004AB" })),
          attemptId: attempt.id,
          shopDomain: SHOP,
          status: "DEAD",
          error: "gave up after 8 claims",
          processedAt: new Date(),
        },
      });
      expect(shopifyPayments(h.standin, order.id)).toEqual({ mutations: 0, sales: 0 });

      const res = await pagePost(attempt.id, { intent: "replay-callback", callbackId: dead.id });
      expect(res.body).toMatchObject({ ok: true, message: expect.stringContaining("being applied") });
      const paid = await eventually(
        () => h.db.paymentAttempt.findFirst({ where: { id: attempt.id, recordedInShopifyAt: { not: null } } }),
        "replayed callback applied and recorded in Shopify",
      );
      expect(paid).toMatchObject({ status: "SUCCEEDED", mpesaReceipt: "RPLY0004AB", paidAmountKes: 1500 });
      expect(shopifyPayments(h.standin, order.id)).toEqual({ mutations: 1, sales: 1 });

      // A second replay of the same stored callback, and a replay of the replay: nothing more.
      const rows = await rowsOf(attempt.id);
      expect((await pagePost(attempt.id, { intent: "replay-callback", callbackId: dead.id })).body.ok).toBe(true);
      expect((await pagePost(attempt.id, { intent: "replay-callback", callbackId: rows[1].id })).body.ok).toBe(true);
      await eventually(async () => {
        const all = await rowsOf(attempt.id);
        return all.length === 4 && all.every((r) => r.status !== "RECEIVED");
      }, "replays processed");
      const last = await rowsOf(attempt.id);
      expect(last.slice(2).map((r) => r.error)).toEqual([
        "no change: attempt already SUCCEEDED",
        "no change: attempt already SUCCEEDED",
      ]);
      await new Promise((r) => setTimeout(r, 500));
      expect(shopifyPayments(h.standin, order.id)).toEqual({ mutations: 1, sales: 1 });
      expect(await h.db.mpesaReceipt.count({ where: { receipt: "RPLY0004AB" } })).toBe(1);
    },
  );

  it("refuses what cannot be replayed: a body cut short, another payment's message, another shop", async () => {
    const order = createOrder(h.standin);
    expect((await pay(h.app, order.id, "0712 340 004")).status).toBe(200);
    const attempt = await attemptOf(order.id);
    const cut = await h.db.callbackLog.create({
      data: {
        kind: "STK",
        path: "/daraja/stk/:token",
        headers: "{}",
        body: '{"Body":{"stkCallback":{"Amount":1',
        attemptId: attempt.id,
        shopDomain: SHOP,
        status: "REJECTED",
      },
    });
    const r1 = await pagePost(attempt.id, { intent: "replay-callback", callbackId: cut.id });
    expect(r1).toEqual({
      status: 400,
      body: expect.objectContaining({ ok: false, error: expect.stringContaining("not a complete payment result") }),
    });
    const other = await h.db.callbackLog.findFirstOrThrow({ where: { attemptId: { not: attempt.id }, kind: "STK" } });
    const r2 = await pagePost(attempt.id, { intent: "replay-callback", callbackId: other.id });
    expect(r2.body).toMatchObject({ ok: false, error: expect.stringContaining("not found") });
    expect(await h.db.callbackLog.count({ where: { attemptId: attempt.id } })).toBe(1);
  });
});

describe("re-verifying with Safaricom", () => {
  it("settles a waiting payment from the STK query, and says so in words", { timeout: 60_000 }, async () => {
    const order = createOrder(h.standin);
    expect((await pay(h.app, order.id, "0712 340 004")).status).toBe(200);
    const attempt = await eventually(async () => {
      const a = await attemptOf(order.id);
      return a.checkoutRequestId ? a : null;
    }, "push answered");
    const queries = () => h.emulator.requests({ path: "/mpesa/stkpushquery/v1/query" }).length;
    const before = queries();
    const res = await pagePost(attempt.id, { intent: "reverify" });
    expect(res).toEqual({
      status: 200,
      body: expect.objectContaining({ ok: true, message: "Safaricom says: Paid. This payment is now paid." }),
    });
    expect(queries()).toBe(before + 1);
    // Paid per the query but no receipt yet (the callback was lost): the money is confirmed for this
    // request, so the payment ends paid with its receipt pending (a pull or the statement brings it).
    const settled = await h.db.paymentAttempt.findUniqueOrThrow({ where: { id: attempt.id } });
    expect(settled).toMatchObject({ status: "SUCCEEDED", mpesaReceipt: null, reviewCode: null });
    expect(settled.receiptPendingSince).not.toBeNull();
  });

  it("tells whether Safaricom agrees with a settled payment, without changing it", { timeout: 60_000 }, async () => {
    const order = createOrder(h.standin);
    expect((await pay(h.app, order.id, "0712 345 679")).status).toBe(200);
    const paid = await eventually(
      () => h.db.paymentAttempt.findFirst({ where: { orderGid: order.id, status: "SUCCEEDED" } }),
      "paid",
    );
    const res = await pagePost(paid.id, { intent: "reverify" });
    expect(res.body).toMatchObject({
      ok: true,
      message: "Safaricom says: Paid. That agrees with this payment (paid).",
    });
    expect((await h.db.paymentAttempt.findUniqueOrThrow({ where: { id: paid.id } })).status).toBe("SUCCEEDED");

    const cancelled = createOrder(h.standin);
    expect((await pay(h.app, cancelled.id, "0712 340 032")).status).toBe(200);
    const c = await eventually(
      () => h.db.paymentAttempt.findFirst({ where: { orderGid: cancelled.id, status: "CANCELLED" } }),
      "cancelled",
    );
    expect((await pagePost(c.id, { intent: "reverify" })).body).toMatchObject({
      ok: true,
      message: "Safaricom says: Cancelled by the customer. That agrees with this payment (cancelled).",
    });
  });
});
