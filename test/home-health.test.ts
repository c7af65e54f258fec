import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loader as homeLoader } from "../app/routes/app._index";
import * as ordersCreateRoute from "../app/routes/webhooks.orders.create";
import { secretBoxFromEnv } from "../app/modules/settings/config.server";
import { saveSettings } from "../app/modules/settings/repository.server";
import type { HealthBanner } from "../app/modules/health/integration-health.server";
import type { ChecklistItem } from "../app/modules/settings/checklist";
import {
  createOrder,
  eventually,
  pay,
  payStatus,
  PASSKEY,
  seedShop,
  sessionToken,
  startHarness,
  type Harness,
} from "./support/payments-harness";
import { getPage, storeSession } from "./settings.helpers";
import { deliver, orderPayload, webhookRequest } from "./support/webhooks";

// The home page's health banners and evidence-driven checklist, through the real route modules, with
// real payments made through the built app against the Daraja emulator (each test its own shop).

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    // No callback: the app asks Daraja after 1 s (the pushes then settle without any callback).
    appEnv: { PENDING_RECOVERY_AFTER_SECONDS: "1", PENDING_RECOVERY_INTERVAL_SECONDS: "1", RATE_LIMIT_PER_PHONE: "50" },
  });
}, 120_000);
afterAll(async () => {
  await h?.close();
});

type Home = { health: HealthBanner[]; checklist: ChecklistItem[] };
async function home(shop: string): Promise<Home> {
  const res = await homeLoader({ request: await getPage("/app", shop), params: {}, context: {} });
  return (await res.json()) as Home;
}
const banner = async (shop: string, id: HealthBanner["id"]) => (await home(shop)).health.find((b) => b.id === id);

async function newShop(name: string, settings: Parameters<typeof seedShop>[3] = {}) {
  const shop = `${name}.myshopify.com`;
  await storeSession(shop); // the admin's session; seedShop then stores the token the stand-in accepts
  await seedShop(h.db, h.standin, shop, settings);
  return shop;
}

async function setPasskey(shop: string, passkey: string) {
  await saveSettings(h.db, secretBoxFromEnv(), shop, {
    environment: "sandbox",
    shortcodeType: "paybill",
    businessShortCode: "174379",
    tillNumber: null,
    consumerKey: "emulator-consumer-key",
    paymentMethodName: "M-PESA",
    accountReferenceTemplate: "INV{order_number}",
    initiatorName: null,
    newSecrets: { passkey },
  });
}

let phoneSeq = 100;
const phone = () => `07123${String(phoneSeq++).padStart(5, "0")}`; // ends in no emulator outcome code

async function payOnce(shop: string) {
  const order = createOrder(h.standin, { shop });
  const res = await pay(h.app, order.id, phone(), { shop });
  expect(res.status).toBe(200);
  return { order, attempt: res.body.attempt as { id: string; status: string } };
}

const settled = (shop: string, n: number) =>
  eventually(
    async () => (await h.db.paymentAttempt.count({ where: { shopDomain: shop, status: { not: "PENDING" } } })) >= n,
    `${n} settled attempts of ${shop}`,
    60_000,
  );

describe("home: set-up failures", () => {
  it("a wrong passkey: every push refused, the banner names the passkey and links to Settings; fixed, it goes", async () => {
    const shop = await newShop("health-passkey");
    expect(await banner(shop, "setup-failure")).toBeUndefined();
    await setPasskey(shop, "0".repeat(64));
    for (let i = 0; i < 2; i++) expect((await payOnce(shop)).attempt.status).toBe("FAILED");
    const b = await banner(shop, "setup-failure");
    expect(b).toMatchObject({
      tone: "critical",
      title: "Daraja rejects your passkey — fix it in Settings",
      action: { content: "Fix it in Settings", url: "/app/settings" },
    });
    expect(b!.body).toMatch(/^The last 2 payments failed/);
    expect(b!.body).toContain("Wrong credentials");

    await setPasskey(shop, PASSKEY);
    await payOnce(shop); // accepted by Daraja: the set-up works again
    expect(await banner(shop, "setup-failure")).toBeUndefined();
  });

  it("a wrong consumer secret: the OAuth refusal is named as such", async () => {
    const shop = await newShop("health-oauth", { consumerSecret: "not-the-secret" });
    expect((await payOnce(shop)).attempt.status).toBe("FAILED");
    expect(await banner(shop, "setup-failure")).toMatchObject({
      title: "Daraja rejects your consumer key or secret",
    });
  });

  it("a till/store mix-up (SFC_IC0003 after an accepted push) is a set-up failure, not a customer's", async () => {
    const shop = await newShop("health-operator");
    h.emulator.setNextOutcome({ api: "stk", outcome: "operator_missing" });
    await payOnce(shop);
    await settled(shop, 1);
    expect(await banner(shop, "setup-failure")).toMatchObject({
      title: "M-PESA says the till or store number is wrong",
    });
  });

  it("customers' own failures (a cancel) raise no set-up banner", async () => {
    const shop = await newShop("health-cancel");
    const order = createOrder(h.standin, { shop });
    await pay(h.app, order.id, "0712 340 032", { shop });
    await settled(shop, 1);
    expect((await home(shop)).health).toEqual([]);
  });
});

describe("home: callbacks stopped arriving", () => {
  it("after a working callback, three pushes with no callback raise the banner; callbacks back, it goes", async () => {
    const shop = await newShop("health-callbacks");
    await payOnce(shop);
    await settled(shop, 1);
    expect(await h.db.callbackLog.count({ where: { shopDomain: shop } })).toBe(1);

    h.emulator.stopCallbacks(["stk"]);
    try {
      for (let i = 0; i < 3; i++) await payOnce(shop);
      // Not said while the pushes are still waiting for their callbacks.
      expect(await banner(shop, "callbacks-stopped")).toBeUndefined();
      await settled(shop, 4); // settled by the STK query instead
    } finally {
      h.emulator.resumeCallbacks(["stk"]);
    }
    const b = await banner(shop, "callbacks-stopped");
    expect(b).toMatchObject({
      tone: "critical",
      title: "Payment results stopped reaching the app",
      action: { url: "/app/settings" },
    });
    expect(b!.body).toMatch(
      /^Daraja accepted the last 3 payment prompts but sent none of their results here\. The last result arrived/,
    );
    expect(b!.body).toContain("CALLBACK_BASE_URL");
    expect((await home(shop)).health[0].id).not.toBe("reviews"); // the cause comes before its effects

    await payOnce(shop);
    await settled(shop, 5);
    expect(await banner(shop, "callbacks-stopped")).toBeUndefined();
  });
});

describe("home: what waits for the merchant", () => {
  it("counts open reviews, unmatched paybill payments, refunds to approve and a refused statement", async () => {
    const shop = await newShop("health-queues");
    const { attempt } = await payOnce(shop);
    await settled(shop, 1);
    const paid = await h.db.paymentAttempt.findUniqueOrThrow({ where: { id: attempt.id } });
    await h.db.paymentAttempt.update({
      where: { id: attempt.id },
      data: { status: "NEEDS_REVIEW", reviewCode: "SECOND_PAYMENT_REFUND" },
    });
    await h.db.c2bPayment.create({
      data: {
        receipt: "UAB1234XYZ",
        shopDomain: shop,
        shortCode: "174379",
        transactionType: "Pay Bill",
        amountText: "500.00",
        amountKes: 500,
        billRefRaw: "WRONG",
        billRefKey: "WRONG",
        transTime: new Date(),
        status: "UNMATCHED",
      },
    });
    await h.db.mpesaRefund.create({
      data: {
        shopDomain: shop,
        orderGid: paid.orderGid,
        receipt: paid.mpesaReceipt!,
        amountKes: 100,
        method: "B2C",
        initiatedBy: "WEBHOOK",
        sourceKey: `shopify:1:2:${paid.mpesaReceipt}`,
        idempotencyKey: `key-${paid.mpesaReceipt}`,
        callbackTokenHash: `hash-${paid.mpesaReceipt}`,
      },
    });
    await h.db.statementImport.create({
      data: {
        shopDomain: shop,
        fileName: "ORG_174379_Statement.csv",
        fileBytes: 10,
        fileSha256: "x",
        status: "REFUSED",
        problems: JSON.stringify([{ code: "TOTALS", message: "The stated totals do not match the rows" }]),
      },
    });
    const byId = Object.fromEntries((await home(shop)).health.map((b) => [b.id, b]));
    expect(byId.reviews).toMatchObject({
      title: "1 payment needs review",
      action: { url: "/app/payments?status=needs_review" },
    });
    expect(byId.unmatched).toMatchObject({ title: "1 paybill payment waits to be matched" });
    expect(byId.refunds).toMatchObject({
      title: "1 M-PESA refund waits for your approval",
      action: { url: `/app/payments/${attempt.id}` },
    });
    expect(byId.statement.body).toContain("The stated totals do not match the rows.");
    expect(byId.statement.action.url).toBe("/app/reconciliation/import");
    // Another shop sees none of it.
    expect((await home(await newShop("health-queues-other"))).health).toEqual([]);
  });
});

describe("home: the checklist turns done from evidence", () => {
  it("an M-PESA order arriving marks the payment method; the block's first request marks the block", async () => {
    const shop = await newShop("health-checklist");
    const status = async (id: ChecklistItem["id"]) => (await home(shop)).checklist.find((i) => i.id === id)!;
    expect((await status("payment-method")).status).toBe("todo");
    expect((await status("checkout-block")).status).toBe("todo");

    // An order placed with another method is no evidence.
    await deliver(
      ordersCreateRoute,
      webhookRequest("orders/create", orderPayload({ payment_gateway_names: ["Cash on Delivery (COD)"] }), { shop }),
    );
    expect((await status("payment-method")).status).toBe("todo");
    const res = await deliver(
      ordersCreateRoute,
      webhookRequest("orders/create", orderPayload({ name: "#7701" }), { shop }),
    );
    expect(res.status).toBe(200);
    expect(await status("payment-method")).toMatchObject({
      status: "done",
      detail: expect.stringContaining("(#7701)"),
    });

    // The checkout block asks the app for the order's status as soon as it renders.
    const order = createOrder(h.standin, { shop });
    expect((await payStatus(h.app, order.id, { token: await sessionToken(shop) })).status).toBe(200);
    const block = await status("checkout-block");
    expect(block.status).toBe("done");
    expect(block.detail).toMatch(/first called the app on \d+ \w{3} \d{4}, \d\d:\d\d/);
    expect(await h.db.setupEvidence.findUnique({ where: { shopDomain: shop } })).toMatchObject({
      firstExtensionPath: "/api/pay/status",
    });
    // The callback address of the test app is public HTTPS.
    expect((await status("callback-address")).status).toBe("done");
  });
});
