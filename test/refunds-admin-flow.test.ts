import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { secretBoxFromEnv, getShopDarajaConfig } from "../app/modules/settings/config.server";
import { saveSettings } from "../app/modules/settings/repository.server";
import { applyRefundEvent } from "../app/modules/refunds/repository.server";
import { refundAccountOf } from "../app/modules/refunds/refund-account.server";
import { openReviewCount } from "../app/modules/refunds/review.server";
import { RequestType, setUpValidRequest } from "@shopify/shopify-api/test-helpers";
import { action as paymentPageAction } from "../app/routes/app.payments.$id";
import { action as c2bPageAction, loader as c2bPageLoader } from "../app/routes/app.payments.c2b.$id";
import { announceOrder, c2bBody, registerC2b } from "./support/c2b";
import {
  createOrder,
  eventually,
  pay,
  postCallback,
  SHOP,
  shopifyPayments,
  startHarness,
  type Harness,
} from "./support/payments-harness";

// Money going back when the merchant refunds in the Shopify admin, end to end: the stand-in makes
// the refund and sends the built app a signed refunds/create; the app holds a pending M-PESA refund;
// approved, the worker sends B2C to the emulator; the result settles it with M-PESA's transaction
// id. And a second payment of a paid order refunded from its review.

const SECRET = "testApiSecretKey"; // vitest.config.ts SHOPIFY_API_SECRET, the app's
let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    appEnv: { REFUND_QUERY_WAIT_SECONDS: "1", REFUND_RESULT_WAIT_SECONDS: "2", DARAJA_TIMEOUT_MS: "1500" },
    // The 0038 prompt's money arrives this long after its 1037: time for the retry to pay first.
    emulator: { lateCallbackDelayMs: 3000 },
  });
  await saveSettings(h.db, secretBoxFromEnv(), SHOP, {
    environment: "sandbox",
    shortcodeType: "paybill",
    businessShortCode: "174379",
    tillNumber: null,
    consumerKey: "emulator-consumer-key",
    paymentMethodName: "M-PESA",
    accountReferenceTemplate: "INV{order_number}",
    initiatorName: "apiop_refunds",
    newSecrets: { initiatorPassword: "Safaricom999!*!" },
  });
  h.standin.setWebhookTarget({ url: h.app.url, secret: SECRET });
});
afterAll(async () => {
  await h?.close();
});

const deps = () => ({
  db: h.db,
  now: () => new Date(),
  config: { callbackBaseUrl: "", resultWaitMs: 0, queryWaitMs: 0, reversalWindowMs: 24 * 3600 * 1000 },
  refundAccount: async (shop: string) => refundAccountOf(await getShopDarajaConfig(h.db, shop)),
});

let phones = 700;
async function paidOrder(total = "1500.00") {
  const order = createOrder(h.standin, { total });
  expect((await pay(h.app, order.id, `0712 345 ${phones++}`)).status).toBe(200);
  const receipt = await eventually(
    () => h.db.mpesaReceipt.findFirst({ where: { orderGid: order.id, shopifyRecordedAt: { not: null } } }),
    "payment recorded",
  );
  return { order, receipt };
}
const refundsOf = (orderGid: string) => h.db.mpesaRefund.findMany({ where: { orderGid } });
/** The order's refunds, once the app has made at least one (from Shopify's refunds/create). */
const pendingRefunds = (orderGid: string) =>
  eventually(async () => {
    const rows = await refundsOf(orderGid);
    return rows.length ? rows : null;
  }, "pending refund");
/** The refund once M-PESA has paid it back (the worker sends it, the emulator's result settles it). */
const refundSucceeded = (id: string) =>
  eventually(
    async () => {
      const r = await h.db.mpesaRefund.findUniqueOrThrow({ where: { id } });
      return r.state === "SUCCEEDED" ? r : null;
    },
    `refund ${id} paid back`,
    30_000,
  );
const appRefundCreates = () => h.standin.mutations("RecordMpesaRefund").length;

/** A request to an admin page of the app, signed in as staff of SHOP (the embedded admin's token). */
async function adminRequest(path: string, fields?: Record<string, string>) {
  return setUpValidRequest(
    {
      type: RequestType.Admin,
      store: SHOP.replace(".myshopify.com", ""),
      apiKey: "testApiKey",
      apiSecretKey: "testApiSecretKey",
    },
    new Request(
      `https://my-test-app.myshopify.io${path}`,
      fields ? { method: "POST", body: new URLSearchParams(fields) } : {},
    ),
  );
}

/** A paybill payment for a new order, confirmed with this MSISDN (as Daraja sent it) and recorded on the order. */
async function paidByPaybill(total: string, msisdn: string) {
  const urls = await registerC2b(h.db, h.app.url, SHOP);
  const order = createOrder(h.standin, { total });
  await announceOrder(h, order);
  const body = c2bBody({ TransAmount: total, BillRefNumber: `INV${order.name.replace(/\D/g, "")}`, MSISDN: msisdn });
  expect((await postCallback(urls.confirmation, body)).status).toBe(200);
  const payment = await eventually(
    () => h.db.c2bPayment.findFirst({ where: { receipt: body.TransID, recordedAt: { not: null } } }),
    "paybill payment recorded on the order",
  );
  return { order, body, payment };
}

describe("a refund made in the Shopify admin", () => {
  it("becomes a pending M-PESA refund; approved, B2C pays it and M-PESA's transaction id is kept", async () => {
    const { order, receipt } = await paidOrder();
    const before = appRefundCreates();
    const made = await h.standin.refundOrder(order.id, { amount: "400.00", note: "one item back" });
    expect(made?.delivery).toMatchObject({ topic: "refunds/create", status: 200 });
    const [pending] = await pendingRefunds(order.id);
    expect(pending).toMatchObject({
      state: "PENDING_APPROVAL",
      method: "B2C",
      amountKes: 400,
      initiatedBy: "WEBHOOK",
      receipt: receipt.receipt,
      shopifyRefundGid: made!.refund.id,
    });
    // Nothing moves on the webhook alone.
    expect(
      h.emulator
        .requests({ path: "/mpesa/b2c/v3/paymentrequest" })
        .filter(
          (r) => (r.body as { OriginatorConversationID: string }).OriginatorConversationID === pending.idempotencyKey,
        ),
    ).toHaveLength(0);

    await applyRefundEvent(deps(), pending.id, { type: "approve", by: "owner@example.com", at: new Date() });
    const paid = await refundSucceeded(pending.id);
    expect(paid.mpesaTransactionId).toMatch(/^[A-Z0-9]{10}$/);
    expect(paid.approvedBy).toBe("owner@example.com");
    // Shopify already has this refund (the merchant made it): the app writes no second one, but puts
    // M-PESA's transaction id on the order, beside the payment's receipt.
    await eventually(
      async () =>
        h.standin.getOrder(order.id)!.tags.includes(`mpesa-refund:${paid.mpesaTransactionId}`) ? true : null,
      "the refund's transaction id on the order",
      30_000,
    );
    expect(h.standin.getOrder(order.id)!.tags).toContain(`mpesa:${receipt.receipt}`);
    expect(appRefundCreates()).toBe(before);
    const snapshot = h.standin.getOrder(order.id)!;
    expect(snapshot.transactions.filter((t) => t.kind === "REFUND").map((t) => Number(t.amount))).toEqual([400]);
    // The same refunds/create again (Shopify retries) creates nothing.
    expect(await refundsOf(order.id)).toHaveLength(1);
  });

  it("with the shop's auto-approve rule it is sent at once", async () => {
    await h.db.shopSettings.update({ where: { shopDomain: SHOP }, data: { refundAutoApproveMaxKes: 300 } });
    try {
      const { order } = await paidOrder();
      expect((await h.standin.refundOrder(order.id, { amount: "250" }))?.delivery?.status).toBe(200);
      const done = await eventually(
        async () => {
          const [r] = await refundsOf(order.id);
          return r?.state === "SUCCEEDED" ? r : null;
        },
        "auto-approved refund paid",
        30_000,
      );
      expect(done).toMatchObject({ approvedBy: "auto-approved (up to KES 300)", amountKes: 250, method: "B2C" });
    } finally {
      await h.db.shopSettings.update({ where: { shopDomain: SHOP }, data: { refundAutoApproveMaxKes: null } });
    }
  });
});

describe("a second payment refunded from its review", () => {
  it("is reversed through the refund flow; nothing is written to Shopify; the review closes", async () => {
    // The road a second payment takes: the first prompt ends in 1037 (emulator phone ending 0038),
    // the shopper retries and pays, then the first prompt's money arrives after all (1037 is
    // "pending / unknown"). The payment flow holds it as a second payment of a paid order.
    const order = createOrder(h.standin, { total: "900.00" });
    expect((await pay(h.app, order.id, "0712 340 038")).status).toBe(200);
    const first = await eventually(
      () => h.db.paymentAttempt.findFirst({ where: { orderGid: order.id, status: "TIMED_OUT" } }),
      "first prompt timed out",
    );
    expect((await pay(h.app, order.id, `0712 345 ${phones++}`)).status).toBe(200);
    await eventually(
      () => h.db.mpesaReceipt.findFirst({ where: { orderGid: order.id, shopifyRecordedAt: { not: null } } }),
      "retry recorded on the order",
    );
    const held = await eventually(
      () => h.db.paymentAttempt.findFirst({ where: { id: first.id, status: "NEEDS_REVIEW" } }),
      "first prompt's late money held",
      30_000,
    );
    expect(held.reviewCode).toBe("SECOND_PAYMENT_REFUND");
    const receipt = await h.db.mpesaReceipt.findUniqueOrThrow({ where: { receipt: held.mpesaReceipt! } });
    expect(receipt).toMatchObject({ attemptId: first.id, amountKes: 900, shopifyRecordedAt: null });
    // One payment on the Shopify order: the retry's.
    expect(shopifyPayments(h.standin, order.id).sales).toBe(1);
    const open = await openReviewCount(h.db, SHOP);
    const before = appRefundCreates();
    // The merchant clicks "Refund KES 900 via M-PESA" on the payment's page (the real route, signed in).
    const request = await adminRequest(`/app/payments/${first.id}`, { intent: "review-refund" });
    const res = (await paymentPageAction({ request, params: { id: first.id }, context: {} })) as Response;
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, message: "Sending KES 900 back by reversal." });
    expect(await openReviewCount(h.db, SHOP)).toBe(open - 1);
    const [refund] = await refundsOf(order.id);
    const done = await refundSucceeded(refund.id);
    expect(done).toMatchObject({ initiatedBy: "REVIEW", method: "REVERSAL", amountKes: 900 });
    const reversal = h.emulator
      .requests({ path: "/mpesa/reversal/v1/request" })
      .filter((r) => (r.body as { TransactionID: string }).TransactionID === receipt.receipt);
    expect(reversal).toHaveLength(1);
    // Give the worker a moment it would need to (wrongly) write Shopify: nothing comes.
    await new Promise((r) => setTimeout(r, 1500));
    expect(appRefundCreates()).toBe(before);
    expect(await h.db.paymentReviewResolution.findUniqueOrThrow({ where: { attemptId: first.id } })).toMatchObject({
      action: "REFUNDED",
      refundId: refund.id,
      resolvedBy: `staff of ${SHOP}`,
    });
  });
});

describe("a refund of a paybill payment whose payer M-PESA hashed (C2B v1)", () => {
  it("checks the typed number against M-PESA's SHA-256 of it", async () => {
    const hash = createHash("sha256").update("254712345678").digest("hex");
    const { order, payment } = await paidByPaybill("800.00", hash);
    await h.standin.refundOrder(order.id, { amount: "300.00" });
    const [pending] = await pendingRefunds(order.id);
    expect(pending).toMatchObject({ method: "B2C", phone: null, payerMasked: null, payerHash: hash });
    const args = (request: Request) => ({ request, params: { id: payment.id }, context: {} });
    const approve = async (phone: string) => {
      const fields = { intent: "approve", refundId: pending.id, phone };
      const res = (await c2bPageAction(
        args(await adminRequest(`/app/payments/c2b/${payment.id}`, fields)),
      )) as Response;
      return (await res.json()) as { ok: boolean; error?: string };
    };
    expect((await approve("0712 345 679")).error).toBe(
      "That is not the number that paid (it does not match M-PESA's record of the payer). Check it with the customer.",
    );
    expect(await approve("0712 345 678")).toMatchObject({ ok: true });
    expect(await refundSucceeded(pending.id)).toMatchObject({ phone: "254712345678" });
  });
});

describe("a refund of a paybill payment whose payer M-PESA masked", () => {
  it("waits for the customer's number on the payment's page, checked against the masked one, then B2C pays it", async () => {
    const { order, body, payment } = await paidByPaybill("1200.00", "2547 ***** 678");
    // The merchant refunds part of it in the Shopify admin.
    await h.standin.refundOrder(order.id, { amount: "500.00", note: "one item back" });
    const [pending] = await pendingRefunds(order.id);
    expect(pending).toMatchObject({
      state: "PENDING_APPROVAL",
      method: "B2C",
      amountKes: 500,
      phone: null,
      payerMasked: "2547 ***** 678",
      receipt: body.TransID,
    });

    // The paybill payment has its own page: the refund asks for the number, showing the masked one.
    const args = (request: Request) => ({ request, params: { id: payment.id }, context: {} });
    const page = await (await c2bPageLoader(args(await adminRequest(`/app/payments/c2b/${payment.id}`)))).json();
    expect(page.refunds?.refunds[0]).toMatchObject({ id: pending.id, needsPhone: { shown: "2547 ***** 678" } });
    expect(page.facts).toContainEqual({ label: "Payer", value: "2547 ***** 678 (as M-PESA shows it)" });
    const approve = async (phone?: string) => {
      const fields = { intent: "approve", refundId: pending.id, ...(phone !== undefined ? { phone } : {}) };
      const res = (await c2bPageAction(
        args(await adminRequest(`/app/payments/c2b/${payment.id}`, fields)),
      )) as Response;
      return { status: res.status, body: (await res.json()) as { ok: boolean; error?: string } };
    };
    expect(await approve()).toEqual({
      status: 400,
      body: { ok: false, error: "Enter the customer's M-PESA number to approve this refund." },
    });
    expect((await approve("0712 34")).body.error).toMatch(/is not a Kenyan mobile number/);
    expect((await approve("0712 345 999")).body.error).toBe(
      "2547****5999 is not the number that paid: M-PESA showed it as 2547 ***** 678. Check it with the customer.",
    );
    expect(await h.db.mpesaRefund.findUniqueOrThrow({ where: { id: pending.id } })).toMatchObject({
      state: "PENDING_APPROVAL",
      phone: null,
    });
    expect((await approve("0712 345 678")).status).toBe(200);
    const paid = await refundSucceeded(pending.id);
    expect(paid).toMatchObject({ phone: "254712345678", approvedBy: `staff of ${SHOP}` });
    const sent = h.emulator
      .requests({ path: "/mpesa/b2c/v3/paymentrequest" })
      .filter((r) => (r.body as { OriginatorConversationID: string }).OriginatorConversationID === paid.idempotencyKey);
    expect(sent).toHaveLength(1);
    expect((sent[0].body as { PartyB: unknown }).PartyB).toBe(254712345678);

    // "Refund via M-PESA" from the same page: the payment is on the Shopify order, so once M-PESA has
    // paid, the app writes the refund there (the number is asked again: it belongs to the approval).
    const before = appRefundCreates();
    const nonce = (await (await c2bPageLoader(args(await adminRequest(`/app/payments/c2b/${payment.id}`)))).json())
      .refunds!.nonce;
    const asked = (await c2bPageAction(
      args(await adminRequest(`/app/payments/c2b/${payment.id}`, { intent: "refund", amount: "100", nonce })),
    )) as Response;
    expect(await asked.json()).toMatchObject({
      ok: true,
      message: expect.stringMatching(/waits for the customer's number/),
    });
    const second = (await refundsOf(order.id)).find((r) => r.id !== pending.id)!;
    expect(second).toMatchObject({
      initiatedBy: "ADMIN_ACTION",
      method: "B2C",
      state: "PENDING_APPROVAL",
      phone: null,
    });
    const approved = (await c2bPageAction(
      args(
        await adminRequest(`/app/payments/c2b/${payment.id}`, {
          intent: "approve",
          refundId: second.id,
          phone: "+254 712 345 678",
        }),
      ),
    )) as Response;
    expect(approved.status).toBe(200);
    await eventually(
      async () => (appRefundCreates() === before + 1 ? true : null),
      "refund written to Shopify",
      30_000,
    );
  });
});
