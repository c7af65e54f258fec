import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parsePayStatus } from "../extensions/checkout-ui/src/api";
import { call } from "../emulator/test-support";
import { hashCallbackToken } from "../app/modules/daraja-events/common/callback-token.server";
import { announceOrder, c2bBody, newReceipt, registerC2b, type C2bUrls } from "./support/c2b";
import {
  createOrder,
  eventually,
  lastCallbackUrl,
  pay,
  payStatus,
  postCallback,
  SHOP,
  seedShop,
  shopifyPayments,
  startHarness,
  stkCallbackBody,
  type Harness,
} from "./support/payments-harness";

// Paybill/till payments (issue 11) through the built app's real route POST /daraja/c2b/<token>/confirmation:
// matched to the right order (messy references), partial and over-payments, the cross-channel receipt
// key (STK then C2B, and the reverse), and every bad input the issue lists — nothing lost, nothing paid
// twice, nothing applied to another shop's order.

const OTHER_SHOP = "mpesa-c2b-other.myshopify.com";
const SUCCESS = { status: 200, body: { ResultCode: 0, ResultDesc: "Success" } };
let h: Harness;
let urls: C2bUrls;

beforeAll(async () => {
  h = await startHarness();
  urls = await registerC2b(h.db, h.app.url, SHOP);
  await seedShop(h.db, h.standin, OTHER_SHOP);
});
afterAll(async () => {
  await h?.close();
});

async function knownOrder(overrides: Record<string, unknown> = {}) {
  const order = createOrder(h.standin, overrides);
  await announceOrder(h, order);
  return order;
}
const confirm = (body: unknown, url = urls.confirmation) => postCallback(url, body);
const payment = (receipt: string) =>
  eventually(
    () =>
      h.db.c2bPayment.findFirst({
        where: { receipt, status: { in: ["APPLIED", "UNMATCHED", "STK_DUPLICATE", "DISMISSED"] } },
      }),
    `C2B payment ${receipt} settled`,
  );
const ref = (order: { name: string }) => order.name.replace(/\D/g, "");

describe("confirmation -> order", () => {
  it("a messy account number lands on the right order, paid with the receipt on it", async () => {
    const order = await knownOrder({ total: "1499.00" });
    const other = await knownOrder({ total: "1499.00" });
    const body = c2bBody({ TransAmount: "1499.00", BillRefNumber: ` inv-0${ref(order)} ` });
    expect(await confirm(body)).toEqual(SUCCESS);
    const row = await payment(body.TransID);
    expect(row).toMatchObject({
      status: "APPLIED",
      orderGid: order.id,
      matchRule: "reference",
      appliedKes: 1499,
      amountKes: 1499,
      billRefRaw: body.BillRefNumber,
      payerKind: "masked",
      accountId: urls.accountId,
    });
    const fresh = h.standin.getOrder(order.id)!;
    expect(fresh.displayFinancialStatus).toBe("PAID");
    expect(fresh.tags).toContain(`mpesa:${body.TransID}`);
    expect(shopifyPayments(h.standin, other.id).mutations).toBe(0);
    const log = await h.db.callbackLog.findUniqueOrThrow({ where: { id: row.callbackLogId! } });
    expect(log).toMatchObject({
      kind: "C2B_CONFIRMATION",
      status: "PROCESSED",
      accountId: urls.accountId,
      shopDomain: SHOP,
    });
    expect((await h.db.mpesaOrder.findFirstOrThrow({ where: { orderGid: order.id } })).paidAt).not.toBeNull();
  });

  it.each([
    ["the order name", (o: { name: string }) => o.name],
    ["lower case and spaces", (o: { name: string }) => ` inv ${ref(o)}`.toLowerCase()],
    ["the confirmation number", (o: { confirmationNumber: string | null }) => o.confirmationNumber!.toLowerCase()],
  ])("matched by %s", async (_, typed) => {
    const order = await knownOrder({ total: "800.00" });
    const body = c2bBody({ TransAmount: "800.00", BillRefNumber: typed(order as any) });
    expect(await confirm(body)).toEqual(SUCCESS);
    expect(await payment(body.TransID)).toMatchObject({ status: "APPLIED", orderGid: order.id });
  });

  it("a partial payment, then the rest: partially paid, then paid; the remainder kept in the app's table", async () => {
    const order = await knownOrder({ total: "1500.00" });
    const first = c2bBody({ TransAmount: "600", BillRefNumber: `INV${ref(order)}` });
    expect(await confirm(first)).toEqual(SUCCESS);
    expect(await payment(first.TransID)).toMatchObject({ status: "APPLIED", appliedKes: 600 });
    expect(h.standin.getOrder(order.id)!.displayFinancialStatus).toBe("PARTIALLY_PAID");
    expect((await h.db.mpesaOrder.findFirstOrThrow({ where: { orderGid: order.id } })).outstandingKes).toBe(900);
    // The order-status block: the remainder, with the paybill details for it (and Pay for the rest).
    const status = await payStatus(h.app, order.id);
    expect(status.body).toMatchObject({
      payable: true,
      order: { amountKes: 900 },
      paybill: {
        kind: "paybill",
        number: "174379",
        accountReference: `INV${ref(order)}`,
        amountKes: 900,
        paidKes: 600,
      },
    });
    expect(parsePayStatus(status.body)).toEqual(status.body);

    const rest = c2bBody({ TransAmount: "900", BillRefNumber: `INV${ref(order)}` });
    expect(await confirm(rest)).toEqual(SUCCESS);
    expect(await payment(rest.TransID)).toMatchObject({ status: "APPLIED", appliedKes: 900 });
    expect(h.standin.getOrder(order.id)!.displayFinancialStatus).toBe("PAID");
    expect(shopifyPayments(h.standin, order.id).sales).toBe(2);
  });

  it("an over-payment marks the order paid and flags the surplus for a refund", async () => {
    const order = await knownOrder({ total: "1000.00" });
    const body = c2bBody({ TransAmount: "1250", BillRefNumber: `INV${ref(order)}` });
    expect(await confirm(body)).toEqual(SUCCESS);
    expect(await payment(body.TransID)).toMatchObject({
      status: "APPLIED",
      appliedKes: 1000,
      surplusKes: 250,
      reason: "OVERPAID",
    });
    expect(h.standin.getOrder(order.id)!.displayFinancialStatus).toBe("PAID");
  });
});

describe("an order Shopify never announced", () => {
  it("is learnt when its shopper pays: money sent later by paybill for it is matched to it", async () => {
    // No orders/create for this order (a lost webhook, or placed before the app was installed).
    const order = createOrder(h.standin, { total: "640.00" });
    expect(await h.db.mpesaOrder.count({ where: { orderGid: order.id } })).toBe(0);
    // The shopper tries the prompt; it times out (phone ending 0037), and they pay by paybill instead.
    expect((await pay(h.app, order.id, "0712 340 037")).status).toBe(200);
    await eventually(
      () => h.db.paymentAttempt.findFirst({ where: { orderGid: order.id, status: "TIMED_OUT" } }),
      "prompt timed out",
    );
    expect(await h.db.mpesaOrder.findFirst({ where: { orderGid: order.id } })).toMatchObject({
      orderName: order.name,
      outstandingKes: 640,
      currency: "KES",
    });
    const body = c2bBody({ TransAmount: "640.00", BillRefNumber: `INV${ref(order)}` });
    expect(await confirm(body)).toEqual(SUCCESS);
    expect(await payment(body.TransID)).toMatchObject({
      status: "APPLIED",
      orderGid: order.id,
      matchRule: "reference",
    });
    expect(h.standin.getOrder(order.id)!.displayFinancialStatus).toBe("PAID");
  });
});

describe("one payment, whatever the road", () => {
  it("a duplicate confirmation changes nothing", async () => {
    const order = await knownOrder({ total: "500.00" });
    const body = c2bBody({ TransAmount: "500", BillRefNumber: `INV${ref(order)}` });
    expect(await confirm(body)).toEqual(SUCCESS);
    await payment(body.TransID);
    expect(await confirm(body)).toEqual(SUCCESS);
    await eventually(
      async () =>
        (await h.db.callbackLog.count({
          where: { kind: "C2B_CONFIRMATION", body: JSON.stringify(body), status: "PROCESSED" },
        })) === 2,
      "second copy processed",
    );
    expect(await h.db.c2bPayment.count({ where: { receipt: body.TransID } })).toBe(1);
    expect(shopifyPayments(h.standin, order.id)).toEqual({ mutations: 1, sales: 1 });
  });

  it("the STK prompt's payment, then the same receipt as a C2B confirmation: one payment", async () => {
    const order = await knownOrder({ total: "1500.00" });
    h.emulator.setNextOutcome({ api: "stk", outcome: "no_callback" } as any);
    const res = await pay(h.app, order.id, "0712 345 901");
    expect(res.status).toBe(200);
    const attempt = await h.db.paymentAttempt.findUniqueOrThrow({ where: { id: res.body.attempt.id } });
    const receipt = newReceipt();
    await postCallback(lastCallbackUrl(h.emulator), stkCallbackBody(attempt.checkoutRequestId!, { receipt }));
    await eventually(
      () => h.db.paymentAttempt.findFirst({ where: { id: attempt.id, recordedInShopifyAt: { not: null } } }),
      "STK recorded",
    );
    const body = c2bBody({ TransID: receipt, TransAmount: "1500.00", BillRefNumber: `INV${ref(order)}` });
    expect(await confirm(body)).toEqual(SUCCESS);
    expect(await payment(receipt)).toMatchObject({ status: "STK_DUPLICATE", orderGid: order.id });
    expect(shopifyPayments(h.standin, order.id)).toEqual({ mutations: 1, sales: 1 });
  });

  it("a C2B confirmation first, then the STK callback with the same receipt: one payment, the attempt succeeds", async () => {
    const order = await knownOrder({ total: "1500.00" });
    h.emulator.setNextOutcome({ api: "stk", outcome: "no_callback" } as any);
    const res = await pay(h.app, order.id, "0712 345 902");
    const attempt = await h.db.paymentAttempt.findUniqueOrThrow({ where: { id: res.body.attempt.id } });
    const receipt = newReceipt();
    const body = c2bBody({ TransID: receipt, TransAmount: "1500.00", BillRefNumber: `INV${ref(order)}` });
    expect(await confirm(body)).toEqual(SUCCESS);
    expect(await payment(receipt)).toMatchObject({ status: "APPLIED", orderGid: order.id });
    await postCallback(lastCallbackUrl(h.emulator), stkCallbackBody(attempt.checkoutRequestId!, { receipt }));
    const settled = await eventually(
      () => h.db.paymentAttempt.findFirst({ where: { id: attempt.id, recordedInShopifyAt: { not: null } } }),
      "attempt recorded",
    );
    expect(settled).toMatchObject({ status: "SUCCEEDED", mpesaReceipt: receipt });
    expect(shopifyPayments(h.standin, order.id)).toEqual({ mutations: 1, sales: 1 });
    expect(await h.db.mpesaReceipt.findUniqueOrThrow({ where: { receipt } })).toMatchObject({
      attemptId: attempt.id,
      orderGid: order.id,
    });
  });
});

describe("money the ledger will not apply by itself: the unmatched queue", () => {
  it.each([
    ["decimals", "1499.50", "AMOUNT_NOT_WHOLE"],
    ["zero", "0", "AMOUNT_NOT_POSITIVE"],
    ["a negative amount", "-5", "AMOUNT_NOT_POSITIVE"],
  ])("%s: kept as sent, never rounded, nothing paid", async (_, amount, reason) => {
    const order = await knownOrder({ total: "1499.00" });
    const body = c2bBody({ TransAmount: amount, BillRefNumber: `INV${ref(order)}` });
    expect(await confirm(body)).toEqual(SUCCESS);
    expect(await payment(body.TransID)).toMatchObject({
      status: "UNMATCHED",
      reason,
      amountText: amount,
      amountKes: null,
      orderGid: order.id,
    });
    expect(shopifyPayments(h.standin, order.id).mutations).toBe(0);
  });

  it("a reference naming two orders is not guessed", async () => {
    const a = await knownOrder({ confirmationNumber: "TWINREF7Q" });
    const b = await knownOrder({ confirmationNumber: "TWINREF7Q" });
    const body = c2bBody({ BillRefNumber: "twinref7q" });
    expect(await confirm(body)).toEqual(SUCCESS);
    expect(await payment(body.TransID)).toMatchObject({ status: "UNMATCHED", reason: "AMBIGUOUS_REFERENCE" });
    expect(shopifyPayments(h.standin, a.id).mutations + shopifyPayments(h.standin, b.id).mutations).toBe(0);
  });

  it("another shop's order is never paid from this shop's paybill", async () => {
    const theirs = createOrder(h.standin, { shop: OTHER_SHOP, confirmationNumber: "OTHERSHOP1" });
    await announceOrder(h, theirs);
    const body = c2bBody({ BillRefNumber: "OTHERSHOP1" });
    expect(await confirm(body)).toEqual(SUCCESS);
    expect(await payment(body.TransID)).toMatchObject({
      status: "UNMATCHED",
      reason: "UNKNOWN_REFERENCE",
      shopDomain: SHOP,
    });
    expect(shopifyPayments(h.standin, theirs.id).mutations).toBe(0);
  });

  it("a cancelled order (cancelled after the app learnt it): back to the queue with the reason", async () => {
    const order = await knownOrder({ total: "700.00" });
    h.standin.cancelOrder(order.id);
    const body = c2bBody({ TransAmount: "700", BillRefNumber: `INV${ref(order)}` });
    expect(await confirm(body)).toEqual(SUCCESS);
    expect(await payment(body.TransID)).toMatchObject({
      status: "UNMATCHED",
      reason: "ORDER_CANCELLED",
      orderGid: order.id,
    });
    expect(shopifyPayments(h.standin, order.id).mutations).toBe(0);
  });

  it("a non-KES order is unmatched", async () => {
    const order = await knownOrder({ currencyCode: "USD", total: "15.00" });
    const body = c2bBody({ TransAmount: "1500", BillRefNumber: `INV${ref(order)}` });
    expect(await confirm(body)).toEqual(SUCCESS);
    expect(await payment(body.TransID)).toMatchObject({ status: "UNMATCHED", reason: "ORDER_NOT_KES" });
    expect(shopifyPayments(h.standin, order.id).mutations).toBe(0);
  });

  it("an already-paid order is unmatched (the money waits for the merchant)", async () => {
    const order = await knownOrder({ total: "300.00" });
    const first = c2bBody({ TransAmount: "300", BillRefNumber: `INV${ref(order)}` });
    await confirm(first);
    await payment(first.TransID);
    const second = c2bBody({ TransAmount: "300", BillRefNumber: `INV${ref(order)}` });
    expect(await confirm(second)).toEqual(SUCCESS);
    expect(await payment(second.TransID)).toMatchObject({ status: "UNMATCHED", reason: "ORDER_ALREADY_PAID" });
    expect(shopifyPayments(h.standin, order.id).sales).toBe(1);
  });

  it("an unknown reference and a till payment without one wait in the queue", async () => {
    const unknown = c2bBody({ BillRefNumber: "NOSUCHORDER" });
    const till = c2bBody({ TransactionType: "Buy Goods", BillRefNumber: "" });
    expect(await confirm(unknown)).toEqual(SUCCESS);
    expect(await confirm(till)).toEqual(SUCCESS);
    expect(await payment(unknown.TransID)).toMatchObject({ status: "UNMATCHED", reason: "UNKNOWN_REFERENCE" });
    expect(await payment(till.TransID)).toMatchObject({ status: "UNMATCHED", reason: "NO_REFERENCE" });
  });
});

describe("the Daraja emulator's customers", () => {
  async function registerInEmulator() {
    const res = await call(h.emulator, "/mpesa/c2b/v2/registerurl", {
      ShortCode: urls.shortCode,
      ResponseType: "Completed",
      ConfirmationURL: urls.confirmation,
      ValidationURL: urls.validation,
    });
    expect(res.status).toBe(200);
  }

  it.each(["spaces", "hash", "lower", "leading_zeros", "dash", "order_name"] as const)(
    "a customer who types the reference with %s pays the right order",
    async (typo) => {
      await registerInEmulator();
      const order = await knownOrder({ total: "450.00" });
      const paid = await h.emulator.c2bPay({
        shortCode: urls.shortCode,
        amount: 450,
        msisdn: "254712345678",
        billRef: `INV${ref(order)}`,
        typo,
      });
      expect(paid).toMatchObject({ status: "completed", confirmationStatus: 200 });
      expect(await payment(paid.transId)).toMatchObject({ status: "APPLIED", orderGid: order.id });
    },
  );

  it("an STK payment the emulator also reports by C2B is one payment", async () => {
    await registerInEmulator();
    await fetch(`${h.emulator.url}/__emulator/c2b/stk-echo`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ shortCode: urls.shortCode, enabled: true }),
    });
    try {
      const order = await knownOrder({ total: "1500.00" });
      const res = await pay(h.app, order.id, "0712 345 903");
      expect(res.status).toBe(200);
      const attempt = await eventually(
        () => h.db.paymentAttempt.findFirst({ where: { id: res.body.attempt.id, recordedInShopifyAt: { not: null } } }),
        "STK recorded",
      );
      // Whichever of the two the worker applies first, the other is only a confirmation of it.
      const row = await payment(attempt.mpesaReceipt!);
      expect(["STK_DUPLICATE", "APPLIED"]).toContain(row.status);
      expect(row.orderGid).toBe(order.id);
      expect(attempt.status).toBe("SUCCEEDED");
      await eventually(
        () => h.db.c2bPayment.findFirst({ where: { receipt: row.receipt, status: { not: "MATCHED" } } }),
        "C2B side settled",
      );
      expect(shopifyPayments(h.standin, order.id)).toEqual({ mutations: 1, sales: 1 });
    } finally {
      await fetch(`${h.emulator.url}/__emulator/c2b/stk-echo`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ shortCode: urls.shortCode, enabled: false }),
      });
    }
  });
});

describe("requests that are not applied", () => {
  it("malformed JSON and a body that is no confirmation: 400, kept REJECTED with the body, nothing applied", async () => {
    const bad = await confirm("{not json");
    expect(bad.status).toBe(400);
    const noId = c2bBody({ TransID: "" });
    const res = await confirm(noId);
    expect(res.status).toBe(400);
    expect(res.body.ResultDesc).toMatch(/TransID/);
    const rows = await h.db.callbackLog.findMany({
      where: { kind: "C2B_CONFIRMATION", status: "REJECTED", accountId: urls.accountId },
    });
    expect(rows.map((r) => r.body)).toEqual(expect.arrayContaining(["{not json", JSON.stringify(noId)]));
  });

  it("an oversized body: 413, first bytes kept REJECTED", async () => {
    const body = JSON.stringify(c2bBody({ InvoiceNumber: "x".repeat(70 * 1024) }));
    const res = await confirm(body);
    expect(res.status).toBe(413);
    const row = await h.db.callbackLog.findFirstOrThrow({
      where: { kind: "C2B_CONFIRMATION", error: { contains: "CALLBACK_MAX_BYTES" } },
    });
    expect(row).toMatchObject({ status: "REJECTED", accountId: urls.accountId });
    expect(row.body.length).toBeLessThanOrEqual(64 * 1024);
  });

  it("an unknown token is answered like any confirmation; only metadata is kept", async () => {
    const guess = "Z".repeat(32);
    const body = c2bBody({ BillRefNumber: "INV1" });
    expect(await confirm(body, `${h.app.url}/daraja/c2b/${guess}/confirmation`)).toEqual(SUCCESS);
    const row = await eventually(
      () => h.db.callbackLog.findFirst({ where: { tokenHash: hashCallbackToken(guess) } }),
      "metadata row",
    );
    expect(row).toMatchObject({
      status: "IGNORED",
      body: "",
      accountId: null,
      path: "/daraja/c2b/:token/confirmation",
    });
    expect(await h.db.c2bPayment.count({ where: { receipt: body.TransID } })).toBe(0);
  });

  it("a confirmation naming another shortcode on this account's URL: told so, kept, not applied", async () => {
    const order = await knownOrder({ total: "1500.00" });
    const body = c2bBody({ BusinessShortCode: "600999", BillRefNumber: `INV${ref(order)}` });
    const res = await confirm(body);
    expect(res.status).toBe(400);
    expect(res.body.ResultDesc).toMatch(/shortcode/i);
    const row = await h.db.callbackLog.findFirstOrThrow({ where: { body: JSON.stringify(body) } });
    expect(row).toMatchObject({ status: "REJECTED", accountId: urls.accountId });
    expect(await h.db.c2bPayment.count({ where: { receipt: body.TransID } })).toBe(0);
    expect(shopifyPayments(h.standin, order.id).mutations).toBe(0);
  });

  it("GET is not allowed", async () => {
    const res = await fetch(urls.confirmation);
    expect(res.status).toBe(405);
  });
});
