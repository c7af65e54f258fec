import { RequestType, setUpValidRequest } from "@shopify/shopify-api/test-helpers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { secretBoxFromEnv } from "../app/modules/settings/config.server";
import { saveSettings } from "../app/modules/settings/repository.server";
import { announceOrder, c2bBody, registerC2b, type C2bUrls } from "./support/c2b";
import {
  createOrder,
  eventually,
  pay,
  payStatus,
  postCallback,
  seedShop,
  sessionToken,
  SHOP,
  shopifyPayments,
  startHarness,
  type Harness,
} from "./support/payments-harness";

// Verify a payment by M-PESA code (issue 11 part 5) through the built app's real routes: the merchant's
// /app/payments/verify and the shopper's /api/pay/verify send a Transaction Status to the emulator, whose
// result comes back on /daraja/result/verify/<token>; a verified receipt is applied once through the C2B
// ledger, and the same receipt arriving later as a C2B confirmation is the same payment.

const SHORTCODE = "174379";
const NO_INITIATOR = "mpesa-verify-noinit.myshopify.com";
const BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";
let h: Harness;
let urls: C2bUrls;

beforeAll(async () => {
  h = await startHarness({ appEnv: { VERIFY_LIMIT_PER_ORDER: "3" } });
  await saveSettings(h.db, secretBoxFromEnv(), SHOP, {
    environment: "sandbox",
    shortcodeType: "paybill",
    businessShortCode: SHORTCODE,
    tillNumber: null,
    consumerKey: "emulator-consumer-key",
    paymentMethodName: "M-PESA",
    accountReferenceTemplate: "INV{order_number}",
    initiatorName: "apiop_verify",
    newSecrets: { initiatorPassword: "Safaricom999!*!" },
  });
  urls = await registerC2b(h.db, h.app.url, SHOP);
  await seedShop(h.db, h.standin, NO_INITIATOR);
});
afterAll(async () => {
  await h?.close();
});

async function knownOrder(overrides: Record<string, unknown> = {}) {
  const order = createOrder(h.standin, overrides);
  await announceOrder(h, order);
  return order;
}

/** A customer pays the paybill from the M-PESA menu and the confirmation never reaches the app. */
async function lostPayment(amount: number, shortCode = SHORTCODE) {
  const paid = await h.emulator.c2bPay({
    shortCode,
    amount,
    msisdn: "254712345678",
    billRef: "X",
    confirmation: "none",
  });
  return paid.transId;
}

/** The merchant's form, as the embedded admin submits it (signed id_token URL, JSON back). */
async function merchantVerify(code: string, order: string, shop = SHOP) {
  const signed = await setUpValidRequest(
    {
      type: RequestType.Admin,
      store: shop.replace(".myshopify.com", ""),
      apiKey: "testApiKey",
      apiSecretKey: "testApiSecretKey",
    },
    new Request("https://my-test-app.myshopify.io/app/payments/verify"),
  );
  const url = new URL(signed.url);
  url.searchParams.set("_data", "routes/app.payments.verify");
  const res = await fetch(`${h.app.url}${url.pathname}${url.search}`, {
    method: "POST",
    body: new URLSearchParams({ intent: "verify", code, order }),
    headers: { "user-agent": BROWSER_UA },
  });
  return {
    status: res.status,
    body: (await res.json()) as { ok: boolean; message: string; reason?: string; id?: string },
  };
}

async function merchantPage(shop = SHOP) {
  const signed = await setUpValidRequest(
    {
      type: RequestType.Admin,
      store: shop.replace(".myshopify.com", ""),
      apiKey: "testApiKey",
      apiSecretKey: "testApiSecretKey",
    },
    new Request("https://my-test-app.myshopify.io/app/payments/verify"),
  );
  const url = new URL(signed.url);
  url.searchParams.set("_data", "routes/app.payments.verify");
  const res = await fetch(`${h.app.url}${url.pathname}${url.search}`, { headers: { "user-agent": BROWSER_UA } });
  return (await res.json()) as { verifications: { receipt: string; state: string; message: string }[] };
}

const settled = (receipt: string) =>
  eventually(
    () =>
      h.db.receiptVerification.findFirst({
        where: { receipt, state: { not: "PENDING" } },
        orderBy: { createdAt: "desc" },
      }),
    `verification of ${receipt} settled`,
  );

const applied = (receipt: string) =>
  eventually(() => h.db.c2bPayment.findFirst({ where: { receipt, status: "APPLIED" } }), `${receipt} applied`);

async function shopperCall(
  method: "GET" | "POST",
  order: { id: string; confirmationNumber: string | null },
  extra: Record<string, string> = {},
) {
  const headers = {
    Authorization: `Bearer ${await sessionToken(SHOP)}`,
    Origin: "https://extensions.shopifycdn.com",
    "User-Agent": BROWSER_UA,
    "Content-Type": "application/json",
  };
  const fields = { orderId: order.id, confirmationNumber: order.confirmationNumber ?? "", ...extra };
  const res =
    method === "POST"
      ? await fetch(`${h.app.url}/api/pay/verify`, { method, headers, body: JSON.stringify(fields) })
      : await fetch(`${h.app.url}/api/pay/verify?${new URLSearchParams(fields)}`, { headers });
  return { status: res.status, body: (await res.json().catch(() => null)) as any };
}
const setShopperSetting = (on: boolean) =>
  h.db.shopSettings.update({ where: { shopDomain: SHOP }, data: { shopperVerifyByCode: on } });

describe("the merchant verifies a code", () => {
  it("a paybill payment whose confirmation was lost is verified and applied once; the confirmation arriving later is the same payment", async () => {
    const order = await knownOrder({ total: "1500.00" });
    const receipt = await lostPayment(1500);
    const res = await merchantVerify(receipt.toLowerCase(), order.name);
    expect(res.status, res.body.message).toBe(200);
    expect(res.body.message).toMatch(/Verifying/);
    const v = await settled(receipt);
    expect(v).toMatchObject({ state: "VERIFIED", amountKes: 1500, source: "merchant", orderGid: order.id });
    const payment = await applied(receipt);
    expect(payment).toMatchObject({ matchRule: "verified", appliedKes: 1500, orderGid: order.id });
    expect(shopifyPayments(h.standin, order.id)).toEqual({ mutations: 1, sales: 1 });
    // The page shows the outcome.
    expect((await merchantPage()).verifications.find((x) => x.receipt === receipt)).toMatchObject({ state: "applied" });

    // Safaricom's confirmation of the same receipt turns up after all: nothing is applied again.
    const body = c2bBody({
      TransID: receipt,
      TransAmount: "1500.00",
      BusinessShortCode: SHORTCODE,
      BillRefNumber: "X",
    });
    expect((await postCallback(urls.confirmation, body)).status).toBe(200);
    const row = await eventually(
      () =>
        h.db.callbackLog.findFirst({
          where: { kind: "C2B_CONFIRMATION", body: { contains: receipt }, status: "PROCESSED" },
        }),
      "confirmation processed",
    );
    expect(row.error).toMatch(/duplicate confirmation/);
    expect(await h.db.c2bPayment.count({ where: { receipt } })).toBe(1);
    expect(await h.db.mpesaReceipt.count({ where: { receipt } })).toBe(1);
    expect(shopifyPayments(h.standin, order.id)).toEqual({ mutations: 1, sales: 1 });
    // And the code cannot be used again, for this order or another.
    const again = await merchantVerify(receipt, order.name);
    expect(again.status).toBe(422);
    expect(again.body).toMatchObject({ reason: "ALREADY_USED" });
    const other = await knownOrder();
    const elsewhere = await merchantVerify(receipt, other.name);
    expect(elsewhere.body.message).toContain(`recorded on order ${order.name}`);
  });

  it("a double submit asks Safaricom once and applies once", async () => {
    const order = await knownOrder({ total: "900.00" });
    const receipt = await lostPayment(900);
    const [a, b] = await Promise.all([merchantVerify(receipt, order.name), merchantVerify(receipt, order.name)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    await applied(receipt);
    expect(await h.db.receiptVerification.count({ where: { receipt } })).toBe(1);
    const asked = h.emulator
      .requests({ path: "/mpesa/transactionstatus/v1/query" })
      .filter((r) => JSON.stringify(r.body).includes(receipt));
    expect(asked).toHaveLength(1);
    expect(shopifyPayments(h.standin, order.id)).toEqual({ mutations: 1, sales: 1 });
  });

  it("a partial payment by code leaves the rest to pay", async () => {
    const order = await knownOrder({ total: "2000.00" });
    const receipt = await lostPayment(600);
    expect((await merchantVerify(receipt, order.name)).status).toBe(200);
    expect(await applied(receipt)).toMatchObject({ appliedKes: 600 });
    const row = await eventually(
      () => h.db.mpesaOrder.findFirst({ where: { orderGid: order.id, outstandingKes: 1400 } }),
      "outstanding 1400",
    );
    expect(row.paidAt).toBeNull();
  });

  it("rejects each bad code with its own message", async () => {
    const order = await knownOrder({ total: "1500.00" });
    const before = await h.db.receiptVerification.count();
    // Malformed: refused before anything is asked or stored.
    for (const [code, words] of [
      ["TC12", /exactly 10 letters and digits/],
      ["0712345678", /phone number/],
      ["TCE4XK91Q!", /exactly 10 letters and digits/],
      ["", /Enter the M-PESA code/],
    ] as const) {
      const r = await merchantVerify(code, order.name);
      expect(r.status).toBe(422);
      expect(r.body).toMatchObject({ reason: "MALFORMED" });
      expect(r.body.message).toMatch(words);
    }
    expect(await h.db.receiptVerification.count()).toBe(before);

    // Known receipt of an STK payment (the ledger has it).
    const stkOrder = await knownOrder({ total: "100.00" });
    await h.db.mpesaReceipt.create({
      data: { receipt: "TSTKUSED01", shopDomain: SHOP, channel: "STK", orderGid: stkOrder.id, amountKes: 100 },
    });
    const used = await merchantVerify("TSTKUSED01", order.name);
    expect(used.body).toMatchObject({ reason: "ALREADY_USED" });
    expect(used.body.message).toContain(stkOrder.name);

    // Unknown to Safaricom: Daraja's 2032.
    expect((await merchantVerify("QQQQ1234QQ", order.name)).status).toBe(200);
    const unknown = await settled("QQQQ1234QQ");
    expect(unknown).toMatchObject({ state: "REJECTED", reason: "UNKNOWN_RECEIPT", liveReceipt: null });
    expect(unknown.message).toMatch(/Safaricom has no M-PESA transaction with the code QQQQ1234QQ/);

    // Paid to another business's paybill.
    const theirs = await lostPayment(1500, "600111");
    expect((await merchantVerify(theirs, order.name)).status).toBe(200);
    const other = await settled(theirs);
    expect(other).toMatchObject({ state: "REJECTED", reason: "OTHER_SHORTCODE" });
    expect(other.message).toMatch(/paid to 600111/);

    // Paid before the order was placed.
    const early = await lostPayment(1500);
    await h.db.mpesaOrder.update({
      where: { shopDomain_orderGid: { shopDomain: SHOP, orderGid: order.id } },
      data: { createdAt: new Date(Date.now() + 3600_000) },
    });
    expect((await merchantVerify(early, order.name)).status).toBe(200);
    const late = await settled(early);
    expect(late).toMatchObject({ state: "REJECTED", reason: "TIME_UNFIT" });
    expect(late.message).toMatch(/before .* was placed/);

    // The rejected receipts stay unused: nothing entered the ledger, nothing reached Shopify.
    for (const r of ["QQQQ1234QQ", theirs, early])
      expect(await h.db.c2bPayment.count({ where: { receipt: r } })).toBe(0);
    expect(shopifyPayments(h.standin, order.id)).toEqual({ mutations: 0, sales: 0 });

    // No such order / a cancelled order.
    expect((await merchantVerify(early, "#999999")).body.message).toMatch(/No M-PESA order/);
  });

  it("a shop without an initiator is told so", async () => {
    const order = createOrder(h.standin, { shop: NO_INITIATOR });
    await announceOrder(h, order);
    const receipt = await lostPayment(1500);
    const r = await merchantVerify(receipt, order.name, NO_INITIATOR);
    expect(r.status).toBe(422);
    expect(r.body).toMatchObject({ reason: "NOT_CONFIGURED" });
    expect(r.body.message).toMatch(/initiator/i);
  });
});

describe("the shopper verifies their own code on the order-status page", () => {
  it("is refused while the shop's setting is off (the default)", async () => {
    const order = await knownOrder({ total: "1500.00" });
    const receipt = await lostPayment(1500);
    expect((await shopperCall("GET", order)).body).toEqual({ enabled: false });
    expect((await payStatus(h.app, order.id)).body.verifyByCode).toBeUndefined();
    const r = await shopperCall("POST", order, { code: receipt });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe("VERIFY_NOT_ALLOWED");
    expect(await h.db.receiptVerification.count({ where: { receipt } })).toBe(0);
  });

  it("with the setting on: verified and applied; more than owed, a wrong order binding and too many tries are refused", async () => {
    await setShopperSetting(true);
    try {
      const order = await knownOrder({ total: "1500.00" });
      expect((await shopperCall("GET", order)).body).toEqual({ enabled: true });
      expect((await payStatus(h.app, order.id)).body).toMatchObject({ payable: true, verifyByCode: true });
      // Another order's confirmation number: not this shopper's order.
      const wrong = await shopperCall(
        "POST",
        { id: order.id, confirmationNumber: "WRONG1234" },
        { code: "TCE4XK91QZ" },
      );
      expect(wrong.status).toBe(404);
      expect(wrong.body.error.code).toBe("ORDER_NOT_FOUND_YET");

      const receipt = await lostPayment(1500);
      const r = await shopperCall("POST", order, { code: receipt, amount: "1" });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body.verification).toMatchObject({ receipt, state: "verifying" });
      await applied(receipt);
      const poll = await shopperCall("GET", order, { id: r.body.verification.id });
      expect(poll.body.verification).toMatchObject({ state: "applied" });
      expect(shopifyPayments(h.standin, order.id)).toEqual({ mutations: 1, sales: 1 });

      // More than the order owes: the shopper cannot push a bigger payment onto it.
      const small = await knownOrder({ total: "500.00" });
      const big = await lostPayment(5000);
      expect((await shopperCall("POST", small, { code: big })).status).toBe(200);
      const unfit = await settled(big);
      expect(unfit).toMatchObject({ state: "REJECTED", reason: "AMOUNT_UNFIT" });
      expect((await shopperCall("GET", small)).body.verification).toMatchObject({ state: "rejected" });

      // Rate limited per order (VERIFY_LIMIT_PER_ORDER=3 in this run): one try was spent above.
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await shopperCall("POST", small, { code: "abc" })).status);
      expect(statuses).toEqual([422, 422, 429]);
    } finally {
      await setShopperSetting(false);
    }
  });

  it("a code paid by STK on the shopper's own order is already used", async () => {
    await setShopperSetting(true);
    try {
      const order = await knownOrder({ total: "1500.00" });
      const started = await pay(h.app, order.id, "0712345678");
      expect(started.status).toBe(200);
      const attempt = await eventually(
        () => h.db.paymentAttempt.findFirst({ where: { orderGid: order.id, status: "SUCCEEDED" } }),
        "STK paid",
      );
      // Paid: the order takes no more codes.
      const r = await shopperCall("POST", order, { code: attempt.mpesaReceipt! });
      expect(r.status).toBe(409);
    } finally {
      await setShopperSetting(false);
    }
  });
});
