import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callbackAllowlist } from "../app/modules/daraja-events/common/callback-source.server";
import { createInbox, dialectOf } from "../app/modules/daraja-events/common/inbox.server";
import { createUnknownTokenGate } from "../app/modules/daraja-events/common/unknown-token.server";
import { receiveC2bValidation } from "../app/modules/daraja-events/c2b-validation/store.server";
import { announceOrder, c2bBody, registerC2b, type C2bUrls } from "./support/c2b";
import { createOrder, postCallback, SHOP, startHarness, type Harness } from "./support/payments-harness";

// C2B validation (issue 11, part 3) through the real route POST /daraja/c2b/<token>/validation:
// accept / reject from the app's own tables (no Admin call: the stand-in sees none), the request kept
// with the answer given, and a decision that overruns its budget answered "accept".

const ACCEPT = { status: 200, body: { ResultCode: "0", ResultDesc: "Accepted" } };
const reject = (code: string) => ({ status: 200, body: { ResultCode: code, ResultDesc: "Rejected" } });
let h: Harness;
let urls: C2bUrls;

beforeAll(async () => {
  h = await startHarness();
  urls = await registerC2b(h.db, h.app.url, SHOP, { validation: true });
});
afterAll(async () => {
  await h?.close();
});

async function knownOrder(overrides: Record<string, unknown> = {}) {
  const order = createOrder(h.standin, overrides);
  await announceOrder(h, order);
  return order;
}
const validate = (body: unknown) => postCallback(urls.validation, body);
const ref = (order: { name: string }) => `INV${order.name.replace(/\D/g, "")}`;
const noteOf = async (body: unknown) =>
  (await h.db.callbackLog.findFirstOrThrow({ where: { kind: "C2B_VALIDATION", body: JSON.stringify(body) } })).error;

describe("C2B validation", () => {
  it("accepts an open order's reference (typed messily), from the app's tables alone", async () => {
    const order = await knownOrder({ total: "1500.00" });
    const before = h.standin.requests().length;
    const body = c2bBody({ BillRefNumber: ` ${ref(order).toLowerCase()} `, OrgAccountBalance: "" });
    expect(await validate(body)).toEqual(ACCEPT);
    expect(h.standin.requests().length).toBe(before);
    expect(await noteOf(body)).toMatch(/^accepted: order #\d+/);
  });

  it("accepts a partial payment (money for the order)", async () => {
    const order = await knownOrder({ total: "1500.00" });
    expect(await validate(c2bBody({ BillRefNumber: ref(order), TransAmount: "500" }))).toEqual(ACCEPT);
  });

  it("rejects an account number that names no open order: C2B00012", async () => {
    const cancelled = await knownOrder({ cancelled: true });
    const body = c2bBody({ BillRefNumber: "NOSUCH99" });
    expect(await validate(body)).toEqual(reject("C2B00012"));
    expect(await noteOf(body)).toMatch(/UNKNOWN_REFERENCE/);
    expect(await validate(c2bBody({ BillRefNumber: ref(cancelled) }))).toEqual(reject("C2B00012"));
  });

  it("rejects an amount that is not whole positive shillings: C2B00013", async () => {
    const order = await knownOrder();
    expect(await validate(c2bBody({ BillRefNumber: ref(order), TransAmount: "10.50" }))).toEqual(reject("C2B00013"));
    expect(await validate(c2bBody({ BillRefNumber: ref(order), TransAmount: "0" }))).toEqual(reject("C2B00013"));
  });

  it("accepts a till payment, which carries no account number", async () => {
    expect(await validate(c2bBody({ TransactionType: "Buy Goods", BillRefNumber: "" }))).toEqual(ACCEPT);
  });

  it("rejects a request naming another shortcode on this URL: C2B00015 (kept REJECTED)", async () => {
    const body = c2bBody({ BusinessShortCode: "600111", BillRefNumber: "X1" });
    expect(await validate(body)).toEqual(reject("C2B00015"));
    const row = await h.db.callbackLog.findFirstOrThrow({ where: { body: JSON.stringify(body) } });
    expect(row).toMatchObject({ status: "REJECTED", accountId: urls.accountId });
  });

  it("malformed: 400 with Daraja's reject shape, kept", async () => {
    const res = await validate("{nope");
    expect(res.status).toBe(400);
    expect(res.body.ResultCode).toBe("C2B00016");
  });

  it("accepts everything while the merchant has validation off", async () => {
    await h.db.mpesaAccount.update({ where: { id: urls.accountId }, data: { c2bValidationEnabled: false } });
    try {
      const body = c2bBody({ BillRefNumber: "NOSUCH77" });
      expect(await validate(body)).toEqual(ACCEPT);
      expect(await noteOf(body)).toMatch(/validation is off/);
    } finally {
      await h.db.mpesaAccount.update({ where: { id: urls.accountId }, data: { c2bValidationEnabled: true } });
    }
  });

  it("a decision that takes longer than the budget is answered 'accept' (the payment is never lost to our slowness)", async () => {
    const db = h.db;
    const deps = {
      db,
      now: () => new Date(),
      inbox: createInbox(db, dialectOf(process.env.DATABASE_URL!)),
      keepUnknown: createUnknownTokenGate(db, { perSource: 5, windowSeconds: 60, sourceCheck: false }),
      config: { maxBytes: 64 * 1024, allowlist: callbackAllowlist(undefined) },
      budgetMs: 100,
      decide: () => new Promise<never>(() => {}), // a lookup that never finishes
    };
    const body = c2bBody({ BillRefNumber: "NOSUCH55" });
    const answer = await receiveC2bValidation(deps, {
      token: urls.token,
      body: JSON.stringify(body),
      tooLarge: false,
      size: 100,
      headers: {},
      sourceIp: "127.0.0.1",
    });
    expect(answer).toEqual({ kind: "accept" });
    expect(await noteOf(body)).toMatch(/no decision within 100 ms/);
  });
});
