import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PAY_ERROR_CODES, REFUSAL_CODES } from "@mpesa-checkout/pay-contract";
import { parseAttempt, parsePayStatus } from "../extensions/checkout-ui/src/api";
import { getPaymentAttemptDetail } from "../app/modules/payments/dashboard/detail.server";
import { maskMsisdn } from "../app/lib/logger.server";
import {
  createOrder,
  customerAccountToken,
  eventually,
  pay,
  payStatus,
  sessionToken,
  SHOP,
  startHarness,
  type Harness,
} from "./support/payments-harness";

// Issue 9 H1 (every extension request bound to its order by the confirmation number and to the
// token's customer) and L8 (distinct phones per order; the merchant sees a paying phone that is not
// the order's), through the real routes of the built app; plus the shared HTTP contract checked
// against the app's real answers.

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ appEnv: { RATE_LIMIT_PHONES_PER_ORDER: "3" } });
});
afterAll(async () => {
  await h?.close();
});

const pushes = () => h.emulator.requests({ path: "/mpesa/stkpush/v1/processrequest" }).length;
const UNKNOWN_ORDER = "gid://shopify/Order/987654321";
const unknownStatus = () => payStatus(h.app, UNKNOWN_ORDER, { confirmationNumber: "ZZZ999ZZZ" });

describe("H1: orders bound to their buyer", () => {
  it("H1: a wrong confirmation number answers exactly like an unknown order (status and Pay), nothing sent", async () => {
    const order = createOrder(h.standin);
    const before = pushes();
    const wrong = { confirmationNumber: "WRONG1234" };

    const status = await payStatus(h.app, order.id, wrong);
    const unknown = await unknownStatus();
    expect(status.status).toBe(200);
    expect(status.body).toEqual({ payable: false, reason: "ORDER_NOT_FOUND_YET" });
    expect(status.body).toEqual(unknown.body);

    const paid = await pay(h.app, order.id, "0712 346 001", wrong);
    const payUnknown = await pay(h.app, UNKNOWN_ORDER, "0712 346 001", wrong);
    expect(paid.status).toBe(404);
    expect(paid.body).toEqual(payUnknown.body);
    expect(paid.body.error.code).toBe("ORDER_NOT_FOUND_YET");
    expect(pushes()).toBe(before);
    expect(await h.db.paymentAttempt.count({ where: { orderGid: order.id } })).toBe(0);

    // The right number, in any case, binds: the buyer's own page works.
    const right = await payStatus(h.app, order.id, { confirmationNumber: order.confirmationNumber!.toLowerCase() });
    expect(right.body).toMatchObject({ payable: true, order: { name: order.name, amountKes: 1500 } });
  });

  it("H1: without the confirmation number nobody reads an order's attempt (name, amount, phone, receipt)", async () => {
    const order = createOrder(h.standin);
    const mine = await pay(h.app, order.id, "0712 346 002");
    expect(mine.status).toBe(200);
    await eventually(async () => (await payStatus(h.app, order.id)).body.attempt?.status === "SUCCEEDED", "paid");

    const stranger = await payStatus(h.app, order.id, { confirmationNumber: "NOTTHEONE" });
    expect(stranger.body).toEqual({ payable: false, reason: "ORDER_NOT_FOUND_YET" });
    expect(JSON.stringify(stranger.body)).not.toMatch(/receipt|phone|1500|#/i);
  });

  it("H1: a stranger cannot start a prompt for someone else's order; the buyer's Pay reaches the buyer's phone", async () => {
    const order = createOrder(h.standin);
    const attacker = await pay(h.app, order.id, "0799 346 003", { confirmationNumber: "GUESSED01" });
    expect(attacker.status).toBe(404);
    expect(await h.db.paymentAttempt.count({ where: { orderGid: order.id } })).toBe(0);

    const buyer = await pay(h.app, order.id, "0712 346 003");
    expect(buyer.status).toBe(200);
    const row = await h.db.paymentAttempt.findUniqueOrThrow({ where: { id: buyer.body.attempt.id } });
    expect(row.msisdn).toBe("254712346003");
  });

  it("H1: a customer-account token cannot skip the ownership check by leaving out ?surface=customer-account", async () => {
    const order = createOrder(h.standin, { customerId: "gid://shopify/Customer/7001" });
    const before = pushes();
    // Another customer's token, sent to the plain URLs (no surface parameter), with the right number.
    const stranger = await customerAccountToken(undefined, { customerGid: "gid://shopify/Customer/9999" });
    expect((await payStatus(h.app, order.id, { token: stranger })).body).toEqual({
      payable: false,
      reason: "ORDER_NOT_FOUND_YET",
    });
    const res = await pay(h.app, order.id, "0799 346 004", { token: stranger });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("ORDER_NOT_FOUND_YET");
    // A checkout token that names a customer is bound the same way.
    const loggedIn = await sessionToken(undefined, { customerGid: "gid://shopify/Customer/9999" });
    expect((await payStatus(h.app, order.id, { token: loggedIn })).body).toEqual({
      payable: false,
      reason: "ORDER_NOT_FOUND_YET",
    });
    expect(pushes()).toBe(before);

    // The order's own customer, on either token, is served.
    const owner = await customerAccountToken(undefined, { customerGid: "gid://shopify/Customer/7001" });
    expect((await payStatus(h.app, order.id, { token: owner })).body).toMatchObject({
      payable: true,
      order: { name: order.name },
    });
    const ownerAtCheckout = await sessionToken(undefined, { customerGid: "gid://shopify/Customer/7001" });
    expect((await payStatus(h.app, order.id, { token: ownerAtCheckout })).body).toMatchObject({ payable: true });
  });

  it("H1: an order without a confirmation number is refused with a clear reason, and shows nothing else", async () => {
    const order = createOrder(h.standin, { confirmationNumber: null });
    const status = await payStatus(h.app, order.id, { confirmationNumber: "ANYTHING1" });
    expect(status.body).toEqual({ payable: false, reason: "NO_CONFIRMATION_NUMBER" });
    const res = await pay(h.app, order.id, "0712 346 005", { confirmationNumber: "ANYTHING1" });
    expect(res.status).toBe(409);
    expect(res.body.error).toEqual({
      code: "NO_CONFIRMATION_NUMBER",
      message: expect.stringContaining("no confirmation number"),
    });
    expect(await h.db.paymentAttempt.count({ where: { orderGid: order.id } })).toBe(0);
  });

  it("H1: a request that carries no confirmation number is a 422, not a lookup", async () => {
    const order = createOrder(h.standin);
    const status = await payStatus(h.app, order.id, { confirmationNumber: null });
    expect(status.status).toBe(422);
    expect(status.body.error.code).toBe("INVALID_REQUEST");
    const res = await pay(h.app, order.id, "0712 346 006", { confirmationNumber: null });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({
      code: "INVALID_REQUEST",
      message: expect.stringContaining("confirmationNumber"),
    });
  });

  it("H1: a non-M-PESA order reveals nothing (no name, no total), even to its buyer", async () => {
    const order = createOrder(h.standin, { paymentGatewayNames: ["Cash on Delivery (COD)"] });
    expect((await payStatus(h.app, order.id)).body).toEqual({ payable: false, reason: "NOT_MPESA" });
    const res = await pay(h.app, order.id, "0712 346 007");
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("NOT_MPESA");
  });
});

describe("L8: which phones an order's prompts go to", () => {
  it("L8: an order's prompts go to at most RATE_LIMIT_PHONES_PER_ORDER different phones", async () => {
    const order = createOrder(h.standin);
    // 0032 endings: the emulator cancels at once, so each Pay is a new prompt.
    for (const phone of ["0712 340 032", "0713 340 032", "0714 340 032"]) {
      const res = await pay(h.app, order.id, phone);
      expect(res.status).toBe(200);
      await eventually(
        async () => (await payStatus(h.app, order.id)).body.attempt?.status === "CANCELLED",
        "cancelled",
      );
    }
    const before = pushes();
    const fourth = await pay(h.app, order.id, "0715 340 032");
    expect(fourth.status).toBe(409);
    expect(fourth.body.error).toEqual({
      code: "TOO_MANY_PHONES",
      message: expect.stringContaining("different phone numbers"),
    });
    expect(pushes()).toBe(before);
    // One of the phones already tried still works.
    expect((await pay(h.app, order.id, "0712 340 032")).status).toBe(200);
  });

  it("L8: the merchant's detail page shows the paying phone (masked) when it is not the order's", async () => {
    const order = createOrder(h.standin, { phone: "+254708374149" });
    const other = await pay(h.app, order.id, "0712 346 010");
    const own = await pay(h.app, createOrder(h.standin, { phone: "+254712346011" }).id, "0712 346 011");
    const otherView = await getPaymentAttemptDetail(h.db, SHOP, other.body.attempt.id);
    const ownView = await getPaymentAttemptDetail(h.db, SHOP, own.body.attempt.id);
    expect(otherView?.otherPhone).toBe(maskMsisdn("254712346010"));
    expect(otherView?.facts.find((f) => f.label === "Phone")?.value).toContain("not the order's phone number");
    expect(JSON.stringify(otherView)).not.toContain("254712346010");
    expect(ownView?.otherPhone).toBeNull();
    expect(ownView?.facts.find((f) => f.label === "Phone")?.value).not.toContain("not the order's");
  });
});

describe("the shared HTTP contract (@mpesa-checkout/pay-contract) against the app's real answers", () => {
  it("every status answer passes through the extension's parser unchanged, with contract codes only", async () => {
    const order = createOrder(h.standin);
    const answers = [(await payStatus(h.app, order.id)).body];
    const started = await pay(h.app, order.id, "0712 346 020");
    answers.push((await payStatus(h.app, order.id)).body);
    await eventually(async () => (await payStatus(h.app, order.id)).body.attempt?.status === "SUCCEEDED", "paid");
    answers.push((await payStatus(h.app, order.id)).body, (await unknownStatus()).body);
    expect(answers.at(-2)).toMatchObject({
      payable: false,
      reason: "ALREADY_PAID",
      attempt: { status: "SUCCEEDED", receipt: expect.any(String) },
    });
    for (const body of answers) {
      expect(parsePayStatus(body)).toStrictEqual(body);
      if (body.reason) expect(REFUSAL_CODES).toContain(body.reason);
    }
    expect(parseAttempt(started.body.attempt)).toStrictEqual(started.body.attempt);

    const errors = [
      await pay(h.app, order.id, "0712 346 021"), // ALREADY_PAID
      await pay(h.app, order.id, "12345"),
      await pay(h.app, UNKNOWN_ORDER, "0712 346 021", { confirmationNumber: "X1" }),
      await pay(h.app, order.id, "0712 346 021", { confirmationNumber: null }),
    ];
    for (const res of errors) {
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(Object.keys(res.body)).toEqual(["error"]);
      expect(PAY_ERROR_CODES).toContain(res.body.error.code);
      expect(typeof res.body.error.message).toBe("string");
    }
  });
});
