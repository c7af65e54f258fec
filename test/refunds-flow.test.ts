import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { secretBoxFromEnv } from "../app/modules/settings/config.server";
import { saveSettings } from "../app/modules/settings/repository.server";
import { applyRefundEvent, busyRetry } from "../app/modules/refunds/repository.server";
import { requestRefund } from "../app/modules/refunds/request.server";
import { refundAccountOf } from "../app/modules/refunds/refund-account.server";
import { getShopDarajaConfig } from "../app/modules/settings/config.server";
import { createOrder, eventually, pay, SHOP, startHarness, type Harness } from "./support/payments-harness";

// Money going back, end to end: a paid order (STK Push through the real routes) -> a refund ->
// approved -> the built app's worker sends B2C or Reversal to the Daraja emulator -> the result on
// its own inbound route -> the refund state machine -> refundCreate on the Shopify stand-in.

const SHORTCODE = "174379";
let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    appEnv: { REFUND_QUERY_WAIT_SECONDS: "1", REFUND_RESULT_WAIT_SECONDS: "2", DARAJA_TIMEOUT_MS: "1500" },
  });
  // The shop's initiator (today's settings; docs/REFUNDS.md).
  await saveSettings(h.db, secretBoxFromEnv(), SHOP, {
    environment: "sandbox",
    shortcodeType: "paybill",
    businessShortCode: SHORTCODE,
    tillNumber: null,
    consumerKey: "emulator-consumer-key",
    paymentMethodName: "M-PESA",
    accountReferenceTemplate: "INV{order_number}",
    initiatorName: "apiop_refunds",
    newSecrets: { initiatorPassword: "Safaricom999!*!" },
  });
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

/** An order paid through the real flow: its receipt in the ledger. */
let phones = 600;
async function paidOrder(total = "1500.00", phone = `0712 345 ${phones++}`) {
  const order = createOrder(h.standin, { total });
  const res = await pay(h.app, order.id, phone);
  expect(res.status).toBe(200);
  const receipt = await eventually(
    () => h.db.mpesaReceipt.findFirst({ where: { orderGid: order.id, shopifyRecordedAt: { not: null } } }),
    "payment recorded",
  );
  return { order, receipt };
}

async function approvedRefund(receipt: string, amountKes: number, key: string) {
  const made = await requestRefund(deps(), {
    shopDomain: SHOP,
    receipt,
    amountKes,
    initiatedBy: "ADMIN_ACTION",
    sourceKey: key,
  });
  if (!made.created) throw new Error(`refund not created: ${made.reason}`);
  const approved = await applyRefundEvent(deps(), made.refund.id, {
    type: "approve",
    by: "merchant@example.com",
    at: new Date(),
  });
  expect(approved.applied).toBe(true);
  return made.refund;
}

const stateOf = (id: string) => h.db.mpesaRefund.findUniqueOrThrow({ where: { id } });
const until = (id: string, state: string, what = state) =>
  eventually(async () => {
    const r = await stateOf(id);
    return r.state === state ? r : null;
  }, `refund ${what}`);
const refundMutations = () => h.standin.mutations("RecordMpesaRefund");

describe("refund flow", () => {
  it("part of a receipt: balance checked, B2C with the refund's key, result, refundCreate (idempotent, notify)", async () => {
    const { order, receipt } = await paidOrder();
    const refund = await approvedRefund(receipt.receipt, 500, `admin:${receipt.receipt}:1`);
    expect(refund.method).toBe("B2C");
    const attempt = await h.db.paymentAttempt.findUniqueOrThrow({ where: { id: receipt.attemptId! } });
    expect(refund.phone).toBe(attempt.msisdn);
    const done = await until(refund.id, "RECORDED_IN_SHOPIFY");
    const b2c = h.emulator.requests({ path: "/mpesa/b2c/v3/paymentrequest" });
    const ours = b2c.filter(
      (r) => (r.body as { OriginatorConversationID: string }).OriginatorConversationID === refund.idempotencyKey,
    );
    expect(ours).toHaveLength(1);
    expect(ours[0].body).toMatchObject({
      Amount: 500,
      PartyA: Number(SHORTCODE),
      PartyB: Number(refund.phone),
      CommandID: "BusinessPayment",
    });
    // The Account Balance check came first.
    const balance = h.emulator.requests({ path: "/mpesa/accountbalance/v1/query" });
    expect(balance.length).toBeGreaterThanOrEqual(1);
    expect(done.mpesaTransactionId).toBeTruthy();
    const snapshot = h.standin.getOrder(order.id)!;
    const refunds = snapshot.transactions.filter((t) => t.kind === "REFUND");
    expect(refunds).toHaveLength(1);
    expect(Number(refunds[0].amount)).toBe(500);
    const mutation = refundMutations().find((m) => JSON.stringify(m).includes(done.mpesaTransactionId!));
    expect(mutation).toBeTruthy();
    expect(JSON.stringify(mutation)).toContain(`mpesa-refund:${done.mpesaTransactionId}`);
    expect(JSON.stringify(mutation)).toMatch(/"notify":true/);
    expect((await h.db.mpesaReceipt.findUniqueOrThrow({ where: { receipt: receipt.receipt } })).refundedKes).toBe(500);
  });

  it("the whole receipt within the window: a Reversal whose Remarks carry the key", async () => {
    const { order, receipt } = await paidOrder("1200.00");
    const refund = await approvedRefund(receipt.receipt, receipt.amountKes, `admin:${receipt.receipt}:full`);
    expect(refund.method).toBe("REVERSAL");
    const done = await until(refund.id, "RECORDED_IN_SHOPIFY");
    const reversal = h.emulator
      .requests({ path: "/mpesa/reversal/v1/request" })
      .filter((r) => (r.body as { TransactionID: string }).TransactionID === receipt.receipt);
    expect(reversal).toHaveLength(1);
    expect(reversal[0].body).toMatchObject({
      Remarks: refund.idempotencyKey,
      Amount: 1200,
      RecieverIdentifierType: "11",
    });
    expect(h.standin.getOrder(order.id)!.displayFinancialStatus).toBe("REFUNDED");
    expect(done.mpesaTransactionId).not.toBe(receipt.receipt);
  });

  it("a queue time-out is settled by Transaction Status: nothing was paid, the shillings go back, nothing in Shopify", async () => {
    const { receipt } = await paidOrder();
    h.emulator.setNextOutcome({ api: "b2c", queueTimeout: true });
    const before = refundMutations().length;
    const refund = await approvedRefund(receipt.receipt, 300, `admin:${receipt.receipt}:qt`);
    const failed = await until(refund.id, "FAILED");
    expect(failed.resultCode).toBe("QUEUE_TIMEOUT");
    expect(failed.queueTimedOutAt).toBeTruthy();
    const statusQueries = h.emulator
      .requests({ path: "/mpesa/transactionstatus/v1/query" })
      .filter((r) => (r.body as { OriginalConversationID?: string }).OriginalConversationID === refund.idempotencyKey);
    expect(statusQueries.length).toBeGreaterThanOrEqual(1);
    // Never re-sent: one B2C with this key.
    const b2c = h.emulator
      .requests({ path: "/mpesa/b2c/v3/paymentrequest" })
      .filter(
        (r) => (r.body as { OriginatorConversationID: string }).OriginatorConversationID === refund.idempotencyKey,
      );
    expect(b2c).toHaveLength(1);
    expect(refundMutations().length).toBe(before);
    expect((await h.db.mpesaReceipt.findUniqueOrThrow({ where: { receipt: receipt.receipt } })).refundedKes).toBe(0);
  });

  it("an acknowledgement that never comes is an unknown outcome: Transaction Status finds the payout, nothing is sent twice", async () => {
    const { receipt } = await paidOrder();
    const refund = await approvedRefund(receipt.receipt, 400, `admin:${receipt.receipt}:slow`);
    // B2C answers later than the app's Daraja time-out (1.5 s); M-PESA pays all the same.
    const utility = h.emulator.balances(SHORTCODE).utility;
    h.emulator.setEndpoint("/mpesa/b2c/v3/paymentrequest", { latencyMs: 2_500 });
    try {
      const done = await until(refund.id, "RECORDED_IN_SHOPIFY", "recorded after the unknown outcome");
      expect(done.statusQueries).toBeGreaterThanOrEqual(1);
      expect(h.emulator.balances(SHORTCODE).utility).toBe(utility - 400); // paid out once
      expect(refundMutations().filter((m) => JSON.stringify(m).includes(done.mpesaTransactionId!))).toHaveLength(1);
    } finally {
      h.emulator.setEndpoint("/mpesa/b2c/v3/paymentrequest", { latencyMs: 0 });
    }
  });

  it("the utility account cannot cover it: the refund waits for the merchant with the numbers, nothing sent", async () => {
    const { receipt } = await paidOrder();
    const saved = h.emulator.balances(SHORTCODE);
    h.emulator.setBalances(SHORTCODE, { utility: 100 });
    try {
      const refund = await approvedRefund(receipt.receipt, 700, `admin:${receipt.receipt}:poor`);
      const waiting = await eventually(async () => {
        const r = await stateOf(refund.id);
        return r.state === "PENDING_APPROVAL" && r.note?.includes("utility") ? r : null;
      }, "back to the merchant");
      expect(waiting.note).toMatch(/utility account has KES 100; this refund needs KES 700/);
      expect(waiting.sendCount).toBe(0);
    } finally {
      h.emulator.setBalances(SHORTCODE, { utility: saved.utility });
    }
  });

  it("a double click on approve and two workers: one B2C", async () => {
    const { receipt } = await paidOrder();
    const made = await requestRefund(deps(), {
      shopDomain: SHOP,
      receipt: receipt.receipt,
      amountKes: 250,
      initiatedBy: "ADMIN_ACTION",
      sourceKey: `admin:${receipt.receipt}:dbl`,
    });
    if (!made.created) throw new Error("not created");
    const approvals = await Promise.all(
      [1, 2, 3].map(() =>
        busyRetry(() => applyRefundEvent(deps(), made.refund.id, { type: "approve", by: "m", at: new Date() })),
      ),
    );
    expect(approvals.filter((a) => a.applied)).toHaveLength(1);
    await until(made.refund.id, "RECORDED_IN_SHOPIFY");
    const b2c = h.emulator
      .requests({ path: "/mpesa/b2c/v3/paymentrequest" })
      .filter(
        (r) => (r.body as { OriginatorConversationID: string }).OriginatorConversationID === made.refund.idempotencyKey,
      );
    expect(b2c).toHaveLength(1);
  });

  it("a result delivered twice settles once and records once", async () => {
    const { receipt } = await paidOrder();
    h.emulator.setNextOutcome({ api: "b2c", delivery: "twice" });
    const refund = await approvedRefund(receipt.receipt, 350, `admin:${receipt.receipt}:twice`);
    const done = await until(refund.id, "RECORDED_IN_SHOPIFY");
    const rows = await eventually(async () => {
      const r = await h.db.callbackLog.findMany({ where: { refundId: refund.id, path: "/daraja/result/b2c/:token" } });
      return r.length === 2 && r.every((x) => x.status === "PROCESSED") ? r : null;
    }, "both copies applied");
    expect(rows.filter((r) => r.error?.startsWith("no change"))).toHaveLength(1);
    expect(refundMutations().filter((m) => JSON.stringify(m).includes(done.mpesaTransactionId!))).toHaveLength(1);
  });

  it("a result that never arrives: after REFUND_RESULT_WAIT_SECONDS Transaction Status finds the payout", async () => {
    const { receipt } = await paidOrder();
    h.emulator.setNextOutcome({ api: "b2c", delivery: "none" });
    const refund = await approvedRefund(receipt.receipt, 150, `admin:${receipt.receipt}:never`);
    const done = await until(refund.id, "RECORDED_IN_SHOPIFY", "recorded without a result");
    expect(done.statusQueries).toBeGreaterThanOrEqual(1);
    expect(done.sendCount).toBe(1);
  });

  it("B2C to an unregistered number fails: nothing paid, the shillings go back, nothing in Shopify", async () => {
    const { receipt } = await paidOrder("1500.00", "0712 342 040");
    const refund = await approvedRefund(receipt.receipt, 500, `admin:${receipt.receipt}:unreg`);
    const failed = await until(refund.id, "FAILED");
    expect(failed.resultCode).toBe("2040");
    expect((await h.db.mpesaReceipt.findUniqueOrThrow({ where: { receipt: receipt.receipt } })).refundedKes).toBe(0);
    expect(refundMutations().filter((m) => JSON.stringify(m).includes(receipt.receipt))).toHaveLength(0);
  });
});
