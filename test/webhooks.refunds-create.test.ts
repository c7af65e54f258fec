import { afterAll, describe, expect, it } from "vitest";
import prisma from "../app/db.server";
import * as refundsCreate from "../app/routes/webhooks.refunds.create";
import { secretBoxFromEnv } from "../app/modules/settings/config.server";
import { saveSettings } from "../app/modules/settings/repository.server";
import { deliver, webhookRequest } from "./support/webhooks";

// refunds/create through its route (HMAC checked by the Shopify library, stored and deduped like the
// other webhooks): the M-PESA part of a Shopify refund becomes PENDING_APPROVAL refunds linked to the
// receipts that paid the order; nothing is sent on the webhook alone.

afterAll(() => prisma.$disconnect());

let n = 0;
async function shopWith(opts: { initiator?: boolean } = {}) {
  const shop = `refunds-${++n}.myshopify.com`;
  await saveSettings(prisma, secretBoxFromEnv(), shop, {
    environment: "sandbox",
    shortcodeType: "paybill",
    businessShortCode: "174379",
    tillNumber: null,
    consumerKey: "ck",
    paymentMethodName: "M-PESA",
    accountReferenceTemplate: "{order_number}",
    initiatorName: opts.initiator === false ? null : "apiop",
    newSecrets: {
      consumerSecret: "cs",
      passkey: "pk",
      ...(opts.initiator === false ? {} : { initiatorPassword: "pw" }),
    },
  });
  return shop;
}

let orderNo = 6_000_000_000;
/** An order paid by STK receipts of these amounts (the ledger rows settle writes). */
async function paidOrder(shop: string, amounts: number[]) {
  const orderId = ++orderNo;
  const orderGid = `gid://shopify/Order/${orderId}`;
  const receipts: string[] = [];
  for (const [i, amountKes] of amounts.entries()) {
    const attempt = await prisma.paymentAttempt.create({
      data: {
        shopDomain: shop,
        orderGid,
        amountKes,
        msisdn: "254712345678",
        environment: "sandbox",
        status: "SUCCEEDED",
        callbackTokenHash: `h-${orderId}-${i}`,
      },
    });
    const receipt = `TWR${orderId % 10_000_000}${i}`;
    await prisma.mpesaReceipt.create({
      data: { receipt, shopDomain: shop, channel: "STK", attemptId: attempt.id, orderGid, amountKes },
    });
    receipts.push(receipt);
  }
  return { orderId, orderGid, receipts };
}

let refundNo = 8_000_000_000;
function refundPayload(orderId: number, amount: string, overrides: Record<string, unknown> = {}, tx: object = {}) {
  const id = ++refundNo;
  return {
    id,
    admin_graphql_api_id: `gid://shopify/Refund/${id}`,
    order_id: orderId,
    note: null,
    restock: false,
    transactions: [
      {
        id: id + 1,
        order_id: orderId,
        kind: "refund",
        status: "success",
        gateway: "M-PESA",
        manual_payment_gateway: true,
        amount,
        currency: "KES",
        parent_id: 9_000_000_001,
        ...tx,
      },
    ],
    ...overrides,
  };
}

const send = (shop: string, payload: unknown, webhookId?: string) =>
  deliver(refundsCreate, webhookRequest("refunds/create", payload, { shop, webhookId }));
const refundsOf = (orderGid: string) =>
  prisma.mpesaRefund.findMany({ where: { orderGid }, orderBy: { amountKes: "desc" } });

describe("refunds/create", () => {
  it("the M-PESA part becomes a pending B2C refund to the paying phone; nothing is sent", async () => {
    const shop = await shopWith();
    const { orderId, orderGid, receipts } = await paidOrder(shop, [1500]);
    expect((await send(shop, refundPayload(orderId, "499.50"))).status).toBe(200);
    const [refund] = await refundsOf(orderGid);
    expect(refund).toMatchObject({
      state: "PENDING_APPROVAL",
      method: "B2C",
      amountKes: 500, // rounded up to the shilling
      receipt: receipts[0],
      phone: "254712345678",
      initiatedBy: "WEBHOOK",
      parentTransactionGid: "gid://shopify/OrderTransaction/9000000001",
    });
    expect(await prisma.job.count({ where: { payload: { contains: refund.id } } })).toBe(0);
    expect((await prisma.mpesaReceipt.findUniqueOrThrow({ where: { receipt: receipts[0] } })).refundedKes).toBe(500);
  });

  it("a delivery that arrives twice, or again hours later under another id, creates one refund", async () => {
    const shop = await shopWith();
    const { orderId, orderGid } = await paidOrder(shop, [1500]);
    const payload = refundPayload(orderId, "200.00");
    expect((await send(shop, payload, "wh-same")).status).toBe(200);
    expect((await send(shop, payload, "wh-same")).status).toBe(200);
    expect((await send(shop, payload, "wh-later")).status).toBe(200);
    expect(await refundsOf(orderGid)).toHaveLength(1);
  });

  it("the whole receipt is a Reversal; an order paid by two receipts is split across them", async () => {
    const shop = await shopWith();
    const { orderId, orderGid, receipts } = await paidOrder(shop, [1000, 500]);
    expect((await send(shop, refundPayload(orderId, "1200.00"))).status).toBe(200);
    const rows = await refundsOf(orderGid);
    expect(rows.map((r) => [r.receipt, r.amountKes, r.method])).toEqual([
      [receipts[0], 1000, "REVERSAL"],
      [receipts[1], 200, "B2C"],
    ]);
  });

  it("non-M-PESA refunds are ignored; so is the app's own refundCreate echo; a bad signature is refused", async () => {
    const shop = await shopWith();
    const { orderId, orderGid } = await paidOrder(shop, [1500]);
    expect(
      (await send(shop, refundPayload(orderId, "100", {}, { gateway: "bogus", manual_payment_gateway: false }))).status,
    ).toBe(200);
    expect((await send(shop, refundPayload(orderId, "100", { note: "[mpesa-app] B2C TK123" }))).status).toBe(200);
    expect(await refundsOf(orderGid)).toHaveLength(0);
    const forged = webhookRequest("refunds/create", refundPayload(orderId, "100"), { shop, secret: "wrong" });
    expect((await deliver(refundsCreate, forged)).status).toBe(401);
    expect(await refundsOf(orderGid)).toHaveLength(0);
  });

  it("a shop without an initiator gets a manual refund; more than the receipts hold is capped", async () => {
    const shop = await shopWith({ initiator: false });
    const { orderId, orderGid } = await paidOrder(shop, [300]);
    expect((await send(shop, refundPayload(orderId, "450.00"))).status).toBe(200);
    const [refund] = await refundsOf(orderGid);
    expect(refund).toMatchObject({ method: "MANUAL", amountKes: 300, state: "PENDING_APPROVAL" });
    expect(refund.note).toMatch(/no initiator/);
  });

  it("a refund of an order with no linked receipt changes nothing; a payload without ids is refused", async () => {
    const shop = await shopWith();
    expect((await send(shop, refundPayload(12345, "100"))).status).toBe(200);
    expect((await send(shop, { note: "no ids" })).status).toBe(400);
    expect(await prisma.mpesaRefund.count({ where: { shopDomain: shop } })).toBe(0);
  });
});

describe("refunds/create with the shop's auto-approve rule", () => {
  const limit = (shop: string, maxKes: number | null) =>
    prisma.shopSettings.update({ where: { shopDomain: shop }, data: { refundAutoApproveMaxKes: maxKes } });
  const sends = (id: string) => prisma.job.count({ where: { type: "send-refund", payload: { contains: id } } });

  it("approves a refund up to the limit as it is created (send job queued, who and when kept); above it waits", async () => {
    const shop = await shopWith();
    await limit(shop, 500);
    const small = await paidOrder(shop, [1500]);
    expect((await send(shop, refundPayload(small.orderId, "499.50"))).status).toBe(200);
    const [approved] = await refundsOf(small.orderGid);
    expect(approved).toMatchObject({ state: "APPROVED", amountKes: 500, approvedBy: "auto-approved (up to KES 500)" });
    expect(approved.approvedAt).not.toBeNull();
    expect(await sends(approved.id)).toBe(1);

    const big = await paidOrder(shop, [1500]);
    expect((await send(shop, refundPayload(big.orderId, "501.00"))).status).toBe(200);
    const [waiting] = await refundsOf(big.orderGid);
    expect(waiting).toMatchObject({ state: "PENDING_APPROVAL", approvedBy: null });
    expect(await sends(waiting.id)).toBe(0);
  });

  it("compares the whole Shopify refund, however it splits over receipts; a repeat delivery approves nothing twice", async () => {
    const shop = await shopWith();
    await limit(shop, 1000);
    const { orderId, orderGid } = await paidOrder(shop, [300, 900]);
    const payload = refundPayload(orderId, "1100.00");
    expect((await send(shop, payload, "auto-a")).status).toBe(200);
    expect((await send(shop, payload, "auto-b")).status).toBe(200);
    const rows = await refundsOf(orderGid);
    expect(rows.map((r) => r.state)).toEqual(["PENDING_APPROVAL", "PENDING_APPROVAL"]);
    const under = await paidOrder(shop, [300, 900]);
    const again = refundPayload(under.orderId, "600.00");
    expect((await send(shop, again, "auto-c")).status).toBe(200);
    expect((await send(shop, again, "auto-d")).status).toBe(200);
    const parts = await refundsOf(under.orderGid);
    expect(parts.map((r) => [r.receipt, r.amountKes, r.state])).toEqual([
      [expect.stringMatching(/0$/), 300, "APPROVED"],
      [expect.stringMatching(/1$/), 300, "APPROVED"],
    ]);
    for (const r of parts) expect(await sends(r.id)).toBe(1);
  });

  it("never approves a manual refund (no initiator): it waits to be paid back by hand", async () => {
    const shop = await shopWith({ initiator: false });
    await limit(shop, 100_000);
    const { orderId, orderGid } = await paidOrder(shop, [400]);
    expect((await send(shop, refundPayload(orderId, "100"))).status).toBe(200);
    const [refund] = await refundsOf(orderGid);
    expect(refund).toMatchObject({ method: "MANUAL", state: "PENDING_APPROVAL" });
    expect(await sends(refund.id)).toBe(0);
  });
});
