import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOrder, eventually, pay, payStatus, shopifyPayments, startHarness, type Harness } from "./support/payments-harness";

// The payment flow end to end through real HTTP: checkout extension request -> the built app ->
// Daraja emulator (STK Push, callback) -> job worker -> Shopify stand-in.

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const paidInShopify = (gid: string) => {
  const order = h.standin.getOrder(gid);
  return order && (order as any).displayFinancialStatus === "PAID" ? order : null;
};

describe("payment flow", () => {
  it("happy path: Pay -> STK push -> callback -> order paid in Shopify with the receipt", async () => {
    const order = createOrder(h.standin);
    const res = await pay(h.app, order.id, "0712 345 678");
    expect(res.status).toBe(200);
    expect(res.body.attempt).toMatchObject({ status: "PENDING", amountKes: 1500, phoneMasked: "2547****5678", canRetry: false });
    const push = h.emulator.requests({ path: "/mpesa/stkpush/v1/processrequest" }).at(-1)!;
    expect(push.body).toMatchObject({ Amount: 1500, PartyA: 254712345678, AccountReference: `INV${order.name.slice(1)}` });

    const attempt = await eventually(
      () => h.db.paymentAttempt.findFirst({ where: { orderGid: order.id, recordedInShopifyAt: { not: null } } }),
      "payment recorded in Shopify",
    );
    expect(attempt.status).toBe("SUCCEEDED");
    expect(attempt.liveKey).toBeNull();
    const paid = paidInShopify(order.id);
    expect(paid).toMatchObject({ tags: expect.arrayContaining([`mpesa:${attempt.mpesaReceipt}`]) });
    expect(paid!.metafields).toContainEqual(expect.objectContaining({ key: "receipt", value: attempt.mpesaReceipt }));
    expect(shopifyPayments(h.standin, order.id)).toEqual({ mutations: 1, sales: 1 });

    const status = await payStatus(h.app, order.id);
    expect(status.status).toBe(200);
    expect(status.body.attempt).toMatchObject({ status: "SUCCEEDED", receipt: attempt.mpesaReceipt });
    expect(status.body.attempt.message).toContain(attempt.mpesaReceipt);
  });
});
