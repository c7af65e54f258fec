import { getJwt } from "@shopify/shopify-api/test-helpers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AdminActionResult, AdminOrderView } from "@mpesa-checkout/pay-contract";
import { createOrder, eventually, SHOP, startHarness, type Harness } from "./support/payments-harness";

// The admin order-page block's backend (GET|POST /api/admin/order/:id) through the built app, with
// admin session tokens signed like Shopify's (HS256 with the app secret, `aud` = the client id).

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const BROWSER = {
  Origin: "https://extensions.shopifycdn.com",
  "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
};

/** An admin UI extension's ID token: dest = the shop, aud = the app's client id, sub = the staff user. */
async function adminToken(opts: { shop?: string; aud?: string; secret?: string } = {}) {
  const store = (opts.shop ?? SHOP).replace(/\.myshopify\.com$/, "");
  return (await getJwt(store, opts.aud ?? "testApiKey", opts.secret ?? "testApiSecretKey", { sub: "7788" })).token;
}

const numeric = (gid: string) => gid.replace(/\D/g, "");

async function getView(orderGid: string, token?: string) {
  const res = await fetch(`${h.app.url}/api/admin/order/${numeric(orderGid)}`, {
    headers: { ...BROWSER, ...(token !== "" ? { Authorization: `Bearer ${token ?? (await adminToken())}` } : {}) },
  });
  return { status: res.status, headers: res.headers, body: (await res.json().catch(() => null)) as any };
}

async function post(orderGid: string, body: unknown, token?: string) {
  const res = await fetch(`${h.app.url}/api/admin/order/${numeric(orderGid)}`, {
    method: "POST",
    headers: {
      ...BROWSER,
      "Content-Type": "application/json",
      Authorization: `Bearer ${token ?? (await adminToken())}`,
    },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: (await res.json().catch(() => null)) as any };
}

describe("admin order block: authentication", () => {
  it("answers the CORS preflight and refuses a request without a valid admin token", async () => {
    const order = createOrder(h.standin);
    const preflight = await fetch(`${h.app.url}/api/admin/order/${numeric(order.id)}`, {
      method: "OPTIONS",
      headers: {
        ...BROWSER,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type",
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("*");
    expect(preflight.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("authorization");

    const anonymous = await getView(order.id, "");
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("access-control-allow-origin")).toBe("*");
    expect((await getView(order.id, await adminToken({ secret: "not-the-app-secret" }))).status).toBe(401);
    // A token for another app (aud) is refused: admin tokens are checked for the client id.
    expect((await getView(order.id, await adminToken({ aud: "another-app" }))).status).toBe(401);
  });

  it("another shop's staff sees nothing of this shop's order", async () => {
    const order = createOrder(h.standin);
    const otherShop = "someone-else.myshopify.com";
    await h.db.session.create({
      data: {
        id: `offline_${otherShop}`,
        shop: otherShop,
        state: "",
        isOnline: false,
        scope: "read_orders,write_orders",
        accessToken: "shpat_other",
      },
    });
    h.standin.registerShop(otherShop, "shpat_other");
    const res = await getView(order.id, await adminToken({ shop: otherShop }));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ order: null, mpesa: false, payments: [], prompt: { allowed: false } });
    const pushes = h.emulator.requests({ path: "/mpesa/stkpush/v1/processrequest" }).length;
    const refused = await post(order.id, { intent: "prompt" }, await adminToken({ shop: otherShop }));
    expect(refused.status).toBe(404);
    expect(h.emulator.requests({ path: "/mpesa/stkpush/v1/processrequest" }).length).toBe(pushes);
  });

  it("refuses a path that is not an order id", async () => {
    const res = await fetch(`${h.app.url}/api/admin/order/abc`, {
      headers: { ...BROWSER, Authorization: `Bearer ${await adminToken()}` },
    });
    expect(res.status).toBe(422);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
  });
});

describe("admin order block: an unpaid order", () => {
  it("offers the prompt for Shopify's balance to the order's phone, and sends it", async () => {
    const order = createOrder(h.standin, { total: "2350.00", phone: "+254 712 000 111" });
    const view = await getView(order.id);
    expect(view.status).toBe(200);
    expect(view.headers.get("access-control-allow-origin")).toBe("*");
    const body = view.body as AdminOrderView;
    expect(body).toMatchObject({
      order: { id: order.id, name: order.name, outstandingKes: 2350 },
      mpesa: true,
      payments: [],
      prompt: { allowed: true, amountKes: 2350, phoneMasked: "2547****0111" },
    });

    const sent = await post(order.id, { intent: "prompt", amountKes: 1 });
    expect(sent.status).toBe(200);
    const result = sent.body as AdminActionResult;
    expect(result.message).toContain("Prompt for KES 2350 sent to 2547****0111");
    const push = h.emulator.requests({ path: "/mpesa/stkpush/v1/processrequest" }).at(-1)!;
    expect(push.body).toMatchObject({ Amount: 2350, PhoneNumber: 254712000111 });
    expect(result.view.payments[0]).toMatchObject({ channel: "STK", status: expect.any(String), amountKes: 2350 });

    // The emulator answers the prompt (success): the block then shows the receipt, and no prompt.
    const paid = await eventually(async () => {
      const v = (await getView(order.id)).body as AdminOrderView;
      return v.payments[0]?.status === "SUCCEEDED" ? v : null;
    }, "the payment shown as paid");
    expect(paid.payments[0]).toMatchObject({ statusLabel: "Paid", receipt: expect.stringMatching(/^[A-Z0-9]{10}$/) });
    expect(paid.prompt.allowed).toBe(false);
  });

  it("sends to a number the merchant typed, and refuses one that is not Kenyan", async () => {
    const order = createOrder(h.standin, { phone: null, customerPhone: null });
    const view = (await getView(order.id)).body as AdminOrderView;
    expect(view.prompt).toEqual({ allowed: true, amountKes: 1500, phoneMasked: null });
    const none = await post(order.id, { intent: "prompt" });
    expect(none.status).toBe(422);
    expect(none.body.error.code).toBe("NO_PHONE");
    const bad = await post(order.id, { intent: "prompt", phone: "+44 7700 900123" });
    expect(bad.status).toBe(422);
    expect(bad.body.error.code).toBe("INVALID_PHONE");
    const ok = await post(order.id, { intent: "prompt", phone: "0722 333 444" });
    expect(ok.status).toBe(200);
    expect(h.emulator.requests({ path: "/mpesa/stkpush/v1/processrequest" }).at(-1)!.body).toMatchObject({
      PhoneNumber: 254722333444,
    });
  });

  it("refuses the prompt for an order that is not M-PESA, and an unknown intent", async () => {
    const order = createOrder(h.standin, { paymentGatewayNames: ["Cash on Delivery (COD)"] });
    const view = (await getView(order.id)).body as AdminOrderView;
    expect(view).toMatchObject({
      mpesa: false,
      prompt: { allowed: false, reason: expect.stringContaining("not placed with") },
    });
    const res = await post(order.id, { intent: "prompt" });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("PROMPT_REFUSED");
    expect((await post(order.id, { intent: "delete-everything" })).status).toBe(422);
  });
});

describe("admin order block: refund via M-PESA", () => {
  it("requests a refund of a paid payment once, at most what is refundable", async () => {
    // (the stand-in's default phone is Safaricom's public test number, whose prompt always times out)
    const order = createOrder(h.standin, { total: "1000.00", phone: "0712 345 678" });
    expect((await post(order.id, { intent: "prompt" })).status).toBe(200);
    const paid = await eventually(async () => {
      const v = (await getView(order.id)).body as AdminOrderView;
      return v.payments[0]?.status === "SUCCEEDED" && v.payments[0].refunds ? v : null;
    }, "paid");
    const payment = paid.payments[0]!;
    expect(payment.refunds).toMatchObject({ refundableKes: 1000, items: [] });

    const tooMuch = await post(order.id, {
      intent: "refund",
      attemptId: payment.attemptId,
      amountKes: 1001,
      nonce: payment.refunds!.nonce,
    });
    expect(tooMuch.status).toBe(409);
    expect(tooMuch.body.error).toMatchObject({
      code: "REFUND_REFUSED",
      message: expect.stringContaining("At most KES 1000"),
    });

    const request = { intent: "refund", attemptId: payment.attemptId, amountKes: 400, nonce: payment.refunds!.nonce };
    const made = await post(order.id, request);
    expect(made.status).toBe(200);
    // No initiator is configured for this shop: the refund is recorded to be paid back by hand.
    expect(made.body.message).toContain("Refund of KES 400 recorded");
    expect(made.body.view.payments[0].refunds).toMatchObject({ refundableKes: 600, items: [{ amountKes: 400 }] });
    const again = await post(order.id, request); // a double click: the same nonce
    expect(again.body.message).toBe("That refund was already requested.");
    expect(await h.db.mpesaRefund.count({ where: { receipt: payment.receipt! } })).toBe(1);
    const refund = await h.db.mpesaRefund.findFirstOrThrow({ where: { receipt: payment.receipt! } });
    expect(refund).toMatchObject({ initiatedBy: "ADMIN_ACTION", amountKes: 400, shopDomain: SHOP });
  });

  it("a payment id of another order is not found", async () => {
    const a = createOrder(h.standin, { phone: "0712 345 679" });
    const b = createOrder(h.standin, { phone: "0712 345 679" });
    expect((await post(a.id, { intent: "prompt" })).status).toBe(200);
    const attempt = await eventually(() => h.db.paymentAttempt.findFirst({ where: { orderGid: a.id } }), "attempt");
    const res = await post(b.id, { intent: "refund", attemptId: attempt.id, amountKes: 1, nonce: crypto.randomUUID() });
    expect(res.status).toBe(404);
  });

  it("refuses what a tampered request could send: bad amounts, a stale nonce, a payment that took no money, no JSON", async () => {
    const order = createOrder(h.standin, { phone: "0712 345 671" });
    expect((await post(order.id, { intent: "prompt" })).status).toBe(200);
    const paid = await eventually(async () => {
      const v = (await getView(order.id)).body as AdminOrderView;
      return v.payments[0]?.refunds ? v : null;
    }, "paid");
    const p = paid.payments[0]!;
    for (const amountKes of [-5, 0, 12.5, "1e3", null]) {
      const res = await post(order.id, {
        intent: "refund",
        attemptId: p.attemptId,
        amountKes,
        nonce: p.refunds!.nonce,
      });
      expect(res.status, String(amountKes)).toBe(409);
      expect(res.body.error.message).toContain("whole shillings");
    }
    const stale = await post(order.id, { intent: "refund", attemptId: p.attemptId, amountKes: 10, nonce: "x" });
    expect(stale.body.error.message).toContain("out of date");
    expect(await h.db.mpesaRefund.count({ where: { receipt: p.receipt! } })).toBe(0);

    // A cancelled prompt took no money: nothing to refund.
    const unpaid = createOrder(h.standin, { phone: "0712 340 032" });
    expect((await post(unpaid.id, { intent: "prompt" })).status).toBe(200);
    const cancelled = await eventually(async () => {
      const a = await h.db.paymentAttempt.findFirst({ where: { orderGid: unpaid.id, status: "CANCELLED" } });
      return a;
    }, "cancelled");
    const none = await post(unpaid.id, {
      intent: "refund",
      attemptId: cancelled.id,
      amountKes: 10,
      nonce: crypto.randomUUID(),
    });
    expect(none.status).toBe(409);
    expect(none.body.error.message).toContain("nothing to refund");
    const view = (await getView(unpaid.id)).body as AdminOrderView;
    expect(view.payments[0]).toMatchObject({
      status: "CANCELLED",
      statusLabel: "Cancelled on the customer's phone",
      refunds: null,
    });
    expect(view.prompt).toMatchObject({ allowed: true }); // a cancelled prompt may be sent again

    const garbage = await fetch(`${h.app.url}/api/admin/order/${numeric(order.id)}`, {
      method: "POST",
      headers: { ...BROWSER, Authorization: `Bearer ${await adminToken()}`, "Content-Type": "application/json" },
      body: "{not json",
    });
    expect(garbage.status).toBe(422);
  });
});
