import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EMULATOR_TILL } from "../emulator/index";
import { getPaymentAttemptDetail } from "../app/modules/payments/dashboard/detail.server";
import {
  createOrder,
  eventually,
  pay,
  payStatus,
  seedShop,
  sessionToken,
  startHarness,
  PASSKEY,
  type Harness,
} from "./support/payments-harness";
import { createReceivingAccount } from "../app/modules/settings/accounts.server";
import { secretBoxFromEnv } from "../app/modules/settings/config.server";

// STK Push uses the shop's default receiving account. A till pushes Buy Goods: BusinessShortCode the
// store (head-office) number, PartyB the till. The till/store mix-up ends as Daraja ends it — the push
// accepted, then "SFC_IC0003 The operator does not exist." after the PIN — and the shopper and the
// merchant are told it is the shop's set-up, not something to retry.

const TILL_SHOP = "mpesa-till-shop.myshopify.com";
const SWITCH_SHOP = "mpesa-switching-shop.myshopify.com";
const OTHER_STORE = { shortCode: "300300", passkey: "c".repeat(64), till: "3000001" };
const MIXED_UP_SHOP = "mpesa-mixed-up-till.myshopify.com";
let h: Harness;

const asTill = (shop: string, tillNumber: string) =>
  h.db.mpesaAccount.updateMany({
    where: { shopDomain: shop },
    data: { kind: "till", businessShortCode: "174379", tillNumber },
  });
const pushesTo = (phone: number) =>
  h.emulator
    .requests({ path: "/mpesa/stkpush/v1/processrequest" })
    .map((r) => r.body as Record<string, unknown>)
    .filter((b) => b.PhoneNumber === phone);

beforeAll(async () => {
  h = await startHarness({
    appEnv: { PENDING_RECOVERY_AFTER_SECONDS: "1", PENDING_RECOVERY_INTERVAL_SECONDS: "1" },
    emulator: {
      shortcodes: [
        { shortCode: "174379", passkey: PASSKEY },
        { shortCode: OTHER_STORE.shortCode, passkey: OTHER_STORE.passkey },
      ],
      tills: [
        { tillNumber: EMULATOR_TILL, storeNumber: "174379" },
        { tillNumber: OTHER_STORE.till, storeNumber: OTHER_STORE.shortCode },
      ],
    },
  });
  await seedShop(h.db, h.standin, SWITCH_SHOP);
  await seedShop(h.db, h.standin, TILL_SHOP);
  await asTill(TILL_SHOP, EMULATOR_TILL);
  await seedShop(h.db, h.standin, MIXED_UP_SHOP);
  // The store's number typed as the till as well: not a till of the store.
  await asTill(MIXED_UP_SHOP, "9990001");
});
afterAll(async () => {
  await h?.close();
});

describe("STK Push from a till account", () => {
  it("sends CustomerBuyGoodsOnline with the store as BusinessShortCode and the till as PartyB, and gets paid", async () => {
    const order = createOrder(h.standin, { shop: TILL_SHOP });
    const res = await pay(h.app, order.id, "0712 345 701", { shop: TILL_SHOP });
    expect(res.status).toBe(200);
    expect(res.body.attempt).toMatchObject({ status: "PENDING" });
    const [push] = pushesTo(254712345701);
    expect(push).toMatchObject({
      TransactionType: "CustomerBuyGoodsOnline",
      BusinessShortCode: 174379,
      PartyB: Number(EMULATOR_TILL),
    });
    await eventually(
      async () =>
        (await h.db.paymentAttempt.findUniqueOrThrow({ where: { id: res.body.attempt.id } })).recordedInShopifyAt,
      "till payment recorded",
    );
  });

  it("a till that is not the store's: accepted, then SFC_IC0003 — FAILED, the shopper told it is the shop's set-up", async () => {
    const order = createOrder(h.standin, { shop: MIXED_UP_SHOP });
    const res = await pay(h.app, order.id, "0712 345 702", { shop: MIXED_UP_SHOP });
    expect(res.status).toBe(200);
    const [push] = pushesTo(254712345702);
    expect(push).toMatchObject({ TransactionType: "CustomerBuyGoodsOnline", PartyB: 9990001 });
    const failed = await eventually(async () => {
      const a = await h.db.paymentAttempt.findUniqueOrThrow({ where: { id: res.body.attempt.id } });
      return a.status === "FAILED" ? a : null;
    }, "attempt failed");
    expect(failed).toMatchObject({
      resultCode: "SFC_IC0003",
      resultDesc: "The operator does not exist.",
      mpesaReceipt: null,
    });
    expect(await h.db.mpesaReceipt.count({ where: { shopDomain: MIXED_UP_SHOP } })).toBe(0);

    const status = await fetchStatus(order.id);
    expect(status.attempt).toMatchObject({
      status: "FAILED",
      message: "The shop's M-PESA setup does not allow this payment. Please contact the shop.",
    });
    // The merchant's payment page says what to fix.
    const detail = await getPaymentAttemptDetail(h.db, MIXED_UP_SHOP, failed.id);
    expect(detail?.facts.find((f) => f.label === "What to fix")?.value).toMatch(
      /store \(head-office\) number goes in the shortcode field and the till number in the till field/,
    );
  });
});

describe("an attempt keeps the account it was sent for", () => {
  it("after the default changes, the pending prompt is still queried with the paybill's shortcode and passkey", async () => {
    const order = createOrder(h.standin, { shop: SWITCH_SHOP });
    h.emulator.setNextOutcome({ api: "stk", outcome: "no_callback" } as never);
    const res = await pay(h.app, order.id, "0712 345 703", { shop: SWITCH_SHOP });
    const attempt = await h.db.paymentAttempt.findUniqueOrThrow({ where: { id: res.body.attempt.id } });
    const paybill = await h.db.mpesaAccount.findFirstOrThrow({ where: { shopDomain: SWITCH_SHOP } });
    expect(attempt.mpesaAccountId).toBe(paybill.id);

    // The merchant adds a till under another store and makes it the default while the prompt is out.
    await createReceivingAccount(
      h.db,
      secretBoxFromEnv(),
      SWITCH_SHOP,
      {
        label: "",
        kind: "till",
        environment: "sandbox",
        businessShortCode: OTHER_STORE.shortCode,
        tillNumber: OTHER_STORE.till,
        consumerKey: "emulator-consumer-key",
        c2bVersion: "v2",
        c2bResponseType: "Completed",
        c2bValidationEnabled: false,
        newSecrets: { consumerSecret: "emulator-consumer-secret", passkey: OTHER_STORE.passkey },
      },
      { makeDefault: true },
    );
    const ack = await h.db.paymentAttempt.findUniqueOrThrow({ where: { id: attempt.id } });
    const query = await eventually(
      () =>
        h.emulator
          .requests({ path: "/mpesa/stkpushquery/v1/query" })
          .find((r) => (r.body as { CheckoutRequestID?: string }).CheckoutRequestID === ack.checkoutRequestId),
      "the recovery query",
    );
    expect(query.body).toMatchObject({ BusinessShortCode: 174379 });
    expect(query.status).toBe(200); // the paybill's password: accepted
  });
});

async function fetchStatus(orderId: string) {
  return (await payStatus(h.app, orderId, { token: await sessionToken(MIXED_UP_SHOP) })).body;
}
