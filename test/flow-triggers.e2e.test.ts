import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createOrder,
  eventually,
  lastCallbackUrl,
  pay,
  postCallback,
  SHOP,
  startHarness,
  stkCallbackBody,
  type Harness,
} from "./support/payments-harness";
import { announceOrder, c2bBody, registerC2b } from "./support/c2b";

// The Flow triggers end to end: the built app pays through the Daraja emulator and fires
// flowTriggerReceive at the Shopify stand-in from its job queue, never holding up the payment.

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const triggersOf = (orderGid: string, handle: string) =>
  h.standin
    .flowTriggers(SHOP)
    .filter((t) => t.handle === handle && t.payload.order_id === Number(orderGid.replace(/\D/g, "")));

describe("Flow triggers from the payment flow", () => {
  it("a payment recorded paid fires 'M-PESA payment received' once, with the receipt", async () => {
    const order = createOrder(h.standin);
    expect((await pay(h.app, order.id, "0712 345 678")).status).toBe(200);
    const [fired] = await eventually(() => {
      const found = triggersOf(order.id, "mpesa-payment-received");
      return found.length ? found : null;
    }, "the trigger");
    const attempt = await h.db.paymentAttempt.findFirstOrThrow({ where: { orderGid: order.id } });
    expect(attempt.recordedInShopifyAt).not.toBeNull();
    expect(fired!.payload).toEqual({
      order_id: order.legacyResourceId,
      "Receipt number": attempt.mpesaReceipt,
      Amount: 1500,
      Channel: "Payment prompt",
      Phone: "2547****5678",
    });
    // The job is done and nothing fires twice (the emulator's callback is applied once).
    await eventually(
      () =>
        h.db.job.findFirst({
          where: { type: "fire-flow-trigger", status: "DONE", dedupeKey: { contains: attempt.mpesaReceipt! } },
        }),
      "the job done",
    );
    expect(triggersOf(order.id, "mpesa-payment-received")).toHaveLength(1);
  });

  it("Shopify Flow failing never holds up the payment: the order is paid, the trigger is retried", async () => {
    h.standin.addFault({ type: "503", count: 2, operationName: "FlowTriggerReceive" });
    const order = createOrder(h.standin);
    expect((await pay(h.app, order.id, "0712 345 670")).status).toBe(200);
    await eventually(() => h.standin.getOrder(order.id)?.displayFinancialStatus === "PAID", "order paid");
    await eventually(() => triggersOf(order.id, "mpesa-payment-received").length === 1, "the trigger after retries");
    const job = await eventually(
      () =>
        h.db.job.findFirst({
          where: { type: "fire-flow-trigger", status: "DONE", payload: { contains: String(order.legacyResourceId) } },
        }),
      "the trigger job done",
    );
    expect(job.attempts).toBeGreaterThanOrEqual(3); // two refused by the 503s, then sent
  });

  it("an attempt sent to review fires 'M-PESA payment needs review' with the reason", async () => {
    const order = createOrder(h.standin);
    // 0004: the emulator takes the payment but never calls back; the callback below pays too little.
    expect((await pay(h.app, order.id, "0712 340 004")).status).toBe(200);
    const attempt = await h.db.paymentAttempt.findFirstOrThrow({ where: { orderGid: order.id } });
    const res = await postCallback(
      lastCallbackUrl(h.emulator),
      stkCallbackBody(attempt.checkoutRequestId!, { amount: 900, receipt: "QKSHORT9000" }),
    );
    expect(res.status).toBe(200);
    const [fired] = await eventually(() => {
      const found = triggersOf(order.id, "mpesa-payment-needs-review");
      return found.length ? found : null;
    }, "the review trigger");
    expect(fired!.payload).toEqual({
      order_id: order.legacyResourceId,
      "Receipt number": "QKSHORT9000",
      Amount: 900,
      "Review reason": "The customer paid less than the order amount",
      "Review code": "AMOUNT_SHORT",
    });
    expect(triggersOf(order.id, "mpesa-payment-received")).toHaveLength(0);
  });

  it("a paybill payment applied to its order fires 'M-PESA payment received' with the paybill channel", async () => {
    const urls = await registerC2b(h.db, h.app.url, SHOP);
    const order = createOrder(h.standin, { total: "1200.00" });
    await announceOrder(h, order);
    const body = c2bBody({ TransAmount: "1200.00", BillRefNumber: `INV${order.name.replace(/\D/g, "")}` });
    expect((await postCallback(urls.confirmation, body)).status).toBe(200);
    const [fired] = await eventually(() => {
      const found = triggersOf(order.id, "mpesa-payment-received");
      return found.length ? found : null;
    }, "the paybill trigger");
    expect(fired!.payload).toEqual({
      order_id: order.legacyResourceId,
      "Receipt number": body.TransID,
      Amount: 1200,
      Channel: "Paybill or till",
      Phone: "",
    });
  });
});
