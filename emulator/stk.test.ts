import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { EMULATOR_TILL, SANDBOX_PASSKEY, startEmulator, type Emulator } from "./index";
import {
  call,
  password,
  startReceiver,
  STK_PUSH,
  STK_QUERY,
  TIMESTAMP,
  stkBody,
  stkQueryBody,
  token,
  type Receiver,
} from "./test-support";

let emu: Emulator;
let rx: Receiver;
let bearer: string;
let n = 0;
/** A fresh callback path per request, so tests can run in any order. */
const cbPath = () => `/cb/${++n}`;

beforeAll(async () => {
  rx = await startReceiver();
  emu = await startEmulator({ callbackDelayMs: 10, lateCallbackDelayMs: 60, stkTimeoutDelayMs: 80, seed: 7 });
  bearer = await token(emu);
});
afterAll(async () => {
  await emu.close();
  await rx.close();
});

const push = (phone: string | number, path: string, over = {}) =>
  call(emu, STK_PUSH, stkBody(phone, `${rx.url}${path}`, over), { token: bearer });

describe("documented text lengths (AccountReference 12, TransactionDesc 13)", () => {
  it("accepts longer values as Daraja was seen to; a long AccountReference then delivers no prompt (1037)", async () => {
    const before = emu.stats().acceptedOverDocumentedLength;
    const longDesc = await push(254712345601, cbPath(), { TransactionDesc: "Lipa na mpesa online" }); // mpesa-node's default
    expect(longDesc.body.ResponseCode).toBe("0");
    const path = cbPath();
    const longRef = await push(254712345602, path, { AccountReference: "ABCDEFGHIJKLM" });
    expect(longRef.body.ResponseCode).toBe("0");
    const [hit] = await rx.waitFor(path);
    expect(hit.body.Body.stkCallback).toMatchObject({
      CheckoutRequestID: longRef.body.CheckoutRequestID,
      ResultCode: 1037,
    });
    expect(emu.stats().acceptedOverDocumentedLength).toBe(before + 2);
  });

  it("refuses them with strictFieldLengths, naming the field", async () => {
    const strict = await startEmulator({ callbackDelayMs: 10, strictFieldLengths: true });
    try {
      const bearerStrict = await token(strict);
      for (const [field, over] of [
        ["AccountReference", { AccountReference: "ABCDEFGHIJKLM" }],
        ["TransactionDesc", { TransactionDesc: "fourteen chars" }],
      ] as const) {
        const res = await call(strict, STK_PUSH, stkBody(254712345678, `${rx.url}${cbPath()}`, over), {
          token: bearerStrict,
        });
        expect(res.status).toBe(400);
        expect(res.body).toMatchObject({ errorCode: "400.002.02", errorMessage: `Bad Request - Invalid ${field}` });
      }
      const ok = await call(
        strict,
        STK_PUSH,
        stkBody(254712345678, `${rx.url}${cbPath()}`, {
          AccountReference: "ABCDEFGHIJKL",
          TransactionDesc: "thirteen char",
        }),
        { token: bearerStrict },
      );
      expect(ok.body.ResponseCode).toBe("0");
    } finally {
      await strict.close();
    }
  });
});

describe("STK Push request checks", () => {
  it("accepts a valid push with the documented synchronous answer", async () => {
    const res = await push(254712345678, cbPath());
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      MerchantRequestID: expect.any(String),
      CheckoutRequestID: expect.stringMatching(/^ws_CO_\d{17}712345678$/),
      ResponseCode: "0",
      ResponseDescription: "Success. Request accepted for processing",
      CustomerMessage: "Success. Request accepted for processing",
    });
  });

  it("rejects a wrong Password with [MerchantValidate] - Wrong credentials and counts it", async () => {
    const before = emu.stats().rejectedWrongPassword;
    const wrongKey = await push(254712345678, cbPath(), { Password: password(undefined, "174379", "not-the-passkey") });
    expect(wrongKey.status).toBe(500);
    expect(wrongKey.body).toMatchObject({
      errorCode: "500.001.1001",
      errorMessage: "[MerchantValidate] - Wrong credentials",
    });
    // The password was built with another timestamp than the one sent.
    const otherTs = await push(254712345678, cbPath(), { Password: password("20260314153013") });
    expect(otherTs.body.errorMessage).toBe("[MerchantValidate] - Wrong credentials");
    expect(emu.stats().rejectedWrongPassword).toBe(before + 2);
  });

  it("answers Merchant does not exist for an unknown shortcode", async () => {
    const res = await push(254712345678, cbPath(), {
      BusinessShortCode: 999999,
      Password: password(undefined, "999999"),
    });
    expect(res.body).toMatchObject({ errorCode: "500.001.1001", errorMessage: "Merchant does not exist" });
  });

  it.each([
    ["Amount", { Amount: 10.5 }],
    ["Amount", { Amount: 0 }],
    ["Amount", { Amount: 250_001 }],
    ["PhoneNumber", { PhoneNumber: "0712345678" }],
    ["PartyA", { PartyA: "+254712345678" }],
    ["CallBackURL", { CallBackURL: " https://shop.example/cb" }],
    ["CallBackURL", { CallBackURL: "not a url" }],
    ["Timestamp", { Timestamp: "2026-03-14 15:30:12" }],
    ["Timestamp", { Timestamp: "20261332153012" }],
    ["TransactionType", { TransactionType: "CustomerPaybillOnline" }],
  ])("names the bad field: %s", async (field, over) => {
    const res = await push(254712345678, cbPath(), over);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      requestId: expect.any(String),
      errorCode: "400.002.02",
      errorMessage: `Bad Request - Invalid ${field}`,
    });
  });

  it("blames BusinessShortCode when Content-Type is missing, as the docs FAQ warns", async () => {
    const res = await fetch(`${emu.url}${STK_PUSH}`, {
      method: "POST",
      headers: { authorization: `Bearer ${bearer}` },
      body: JSON.stringify(stkBody(254712345678, `${rx.url}/x`)),
    });
    expect(await res.json()).toMatchObject({
      errorCode: "400.002.02",
      errorMessage: "Bad Request - Invalid BusinessShortCode",
    });
  });

  it("answers malformed JSON with 400.002.05, GET with 405.001, and an unknown path with 404.001.01", async () => {
    const bad = await call(emu, STK_PUSH, "{not json", { token: bearer });
    expect(bad).toMatchObject({
      status: 400,
      body: { errorCode: "400.002.05", errorMessage: "Invalid Request Payload" },
    });
    const get = await fetch(`${emu.url}${STK_PUSH}`, { headers: { authorization: `Bearer ${bearer}` } });
    expect(get.status).toBe(405);
    expect((await get.json()).errorCode).toBe("405.001");
    const unknown = await call(emu, "/mpesa/nothing/v1/here", {}, { token: bearer });
    expect(unknown.body.errorCode).toBe("404.001.01");
  });
});

describe("STK outcomes by phone number", () => {
  const cases = [
    ["254712340032", 1032, "Request cancelled by user"],
    ["254712340001", 1, "The balance is insufficient for the transaction."],
    ["254712342001", 2001, "The initiator information is invalid."],
    ["254712341019", 1019, "Transaction has expired."],
    ["254712340017", 17, "Rule limited."],
    ["254712340037", 1037, "DS timeout user cannot be reached"],
    ["254708374149", 1037, "DS timeout user cannot be reached"],
  ] as const;

  it.each(cases)("%s ends with ResultCode %s and no CallbackMetadata", async (phone, code, desc) => {
    const path = cbPath();
    const { body } = await push(phone, path);
    const [hit] = await rx.waitFor(path);
    expect(hit.body).toEqual({
      Body: {
        stkCallback: {
          MerchantRequestID: body.MerchantRequestID,
          CheckoutRequestID: body.CheckoutRequestID,
          ResultCode: code,
          ResultDesc: desc,
        },
      },
    });
  });

  it("a success callback carries the metadata items with Daraja's types", async () => {
    const path = cbPath();
    const { body } = await push("254712345678", path, { Amount: 150 });
    const [hit] = await rx.waitFor(path);
    const cb = hit.body.Body.stkCallback;
    expect(cb).toMatchObject({
      CheckoutRequestID: body.CheckoutRequestID,
      ResultCode: 0,
      ResultDesc: "The service request is processed successfully.",
    });
    const items = cb.CallbackMetadata.Item;
    expect(items.map((i: { Name: string }) => i.Name)).toEqual([
      "Amount",
      "MpesaReceiptNumber",
      "Balance",
      "TransactionDate",
      "PhoneNumber",
    ]);
    expect(items[0].Value).toBe(150);
    expect(items[1].Value).toMatch(/^[A-Z0-9]{10}$/);
    expect(items[2]).toEqual({ Name: "Balance" });
    expect(typeof items[3].Value).toBe("number");
    expect(String(items[3].Value)).toMatch(/^20\d{12}$/);
    expect(items[4].Value).toBe(254712345678);
  });

  it("0002 sends the identical success callback twice", async () => {
    const path = cbPath();
    await push("254712340002", path);
    const hits = await rx.waitFor(path, 2);
    expect(hits).toHaveLength(2);
    expect(hits[1].body).toEqual(hits[0].body);
    expect(hits[0].body.Body.stkCallback.ResultCode).toBe(0);
  });

  it('0004 succeeds without any callback; the query reports ResultCode "0"', async () => {
    const path = cbPath();
    const { body } = await push("254712340004", path);
    await emu.idle();
    expect(rx.at(path)).toHaveLength(0);
    const q = await call(emu, STK_QUERY, stkQueryBody(body.CheckoutRequestID), { token: bearer });
    expect(q.body).toMatchObject({ ResponseCode: "0", ResultCode: "0", CheckoutRequestID: body.CheckoutRequestID });
  });

  it("0003 is final before its late callback arrives", async () => {
    const path = cbPath();
    const { body } = await push("254712340003", path);
    await new Promise((r) => setTimeout(r, 30));
    const q = await call(emu, STK_QUERY, stkQueryBody(body.CheckoutRequestID), { token: bearer });
    expect(q.body.ResultCode).toBe("0");
    const [hit] = await rx.waitFor(path);
    expect(hit.body.Body.stkCallback.CheckoutRequestID).toBe(body.CheckoutRequestID);
  });

  it("0038 times out (1037, no money), then is paid anyway: a success callback for the same prompt follows", async () => {
    const path = cbPath();
    const before = emu.balances(174379).utility;
    const { body } = await push("254712340038", path);
    const [timeout] = await rx.waitFor(path);
    expect(timeout.body.Body.stkCallback).toMatchObject({
      CheckoutRequestID: body.CheckoutRequestID,
      ResultCode: 1037,
    });
    expect(timeout.body.Body.stkCallback.CallbackMetadata).toBeUndefined();
    expect(emu.balances(174379).utility).toBe(before);
    const timedOut = await call(emu, STK_QUERY, stkQueryBody(body.CheckoutRequestID), { token: bearer });
    expect(timedOut.body.ResultCode).toBe("1037");

    const [, paid] = await rx.waitFor(path, 2);
    expect(paid.body.Body.stkCallback).toMatchObject({ CheckoutRequestID: body.CheckoutRequestID, ResultCode: 0 });
    const items = paid.body.Body.stkCallback.CallbackMetadata.Item as { Name: string; Value?: unknown }[];
    const receipt = items.find((i) => i.Name === "MpesaReceiptNumber")?.Value;
    expect(receipt).toMatch(/^[A-Z0-9]{10}$/);
    expect(emu.balances(174379).utility).toBe(before + 150);
    const q = await call(emu, STK_QUERY, stkQueryBody(body.CheckoutRequestID), { token: bearer });
    expect(q.body.ResultCode).toBe("0");
    await emu.idle();
    expect(rx.at(path)).toHaveLength(2);
  });
});

describe("STK Push Query", () => {
  it("says 'being processed' until the 1037 timeout fires, then the string result", async () => {
    const path = cbPath();
    const { body } = await push("254708374149", path);
    const pending = await call(emu, STK_QUERY, stkQueryBody(body.CheckoutRequestID), { token: bearer });
    expect(pending.status).toBe(500);
    expect(pending.body).toEqual({
      requestId: body.CheckoutRequestID,
      errorCode: "500.001.1001",
      errorMessage: "The transaction is being processed",
    });
    await rx.waitFor(path);
    const final = await call(emu, STK_QUERY, stkQueryBody(body.CheckoutRequestID), { token: bearer });
    expect(final.status).toBe(200);
    expect(final.body).toEqual({
      ResponseCode: "0",
      ResponseDescription: "The service request has been accepted successfully",
      MerchantRequestID: body.MerchantRequestID,
      CheckoutRequestID: body.CheckoutRequestID,
      ResultCode: "1037",
      ResultDesc: "No response from user.",
    });
  });

  it("rejects an unknown CheckoutRequestID and a wrong password", async () => {
    const unknown = await call(emu, STK_QUERY, stkQueryBody("ws_CO_000"), { token: bearer });
    expect(unknown.body.errorMessage).toBe("Bad Request - Invalid CheckoutRequestID");
    const wrong = await call(emu, STK_QUERY, { ...stkQueryBody("ws_CO_000"), Password: "eA==" }, { token: bearer });
    expect(wrong.body.errorMessage).toBe("[MerchantValidate] - Wrong credentials");
  });
});

describe("forced outcomes and rules", () => {
  beforeEach(() => emu.setRules({ sameAmountWithin2Minutes: false, subscriberLock: false }));

  it("setNextOutcome overrides the phone table once", async () => {
    emu.setNextOutcome({ api: "stk", outcome: "cancelled" });
    const first = cbPath();
    const second = cbPath();
    await push("254712345678", first);
    await push("254712345678", second);
    const [[a], [b]] = await Promise.all([rx.waitFor(first), rx.waitFor(second)]);
    expect(a.body.Body.stkCallback.ResultCode).toBe(1032);
    expect(b.body.Body.stkCallback.ResultCode).toBe(0);
  });

  it("same amount to the same phone within 2 minutes gives 17 when the rule is on", async () => {
    emu.setRules({ sameAmountWithin2Minutes: true });
    const first = cbPath();
    const second = cbPath();
    await push("254799990101", first, { Amount: 77 });
    await push("254799990101", second, { Amount: 77 });
    const [[a], [b]] = await Promise.all([rx.waitFor(first), rx.waitFor(second)]);
    expect(a.body.Body.stkCallback.ResultCode).toBe(0);
    expect(b.body.Body.stkCallback.ResultCode).toBe(17);
  });

  it("a second push to a phone with a pending one is refused when subscriber locking is on", async () => {
    emu.setRules({ subscriberLock: true });
    await push("254799990202", cbPath());
    const res = await push("254799990202", cbPath());
    expect(res.body.errorMessage).toMatch(/^Unable to lock subscriber/);
  });
});

describe("determinism", () => {
  it("the same seed and requests give the same receipts", async () => {
    const receipts = async () => {
      const e = await startEmulator({ seed: 42, callbackDelayMs: 1 });
      const t = await token(e);
      await call(e, STK_PUSH, stkBody(254712345678, `${rx.url}/det`), { token: t });
      await e.idle();
      const r = e.callbacks()[0].body as any;
      await e.close();
      return r.Body.stkCallback.CallbackMetadata.Item[1].Value;
    };
    const first = await receipts();
    expect(first).toMatch(/^[A-Z][A-Z0-9]{9}$/);
    expect(await receipts()).toBe(first);
  });

  it("receipts are unique", async () => {
    const path = cbPath();
    for (let i = 0; i < 5; i++) await push(`25471234${String(5000 + i)}`, path);
    const hits = await rx.waitFor(path, 5);
    const receipts = hits.map((h) => h.body.Body.stkCallback.CallbackMetadata.Item[1].Value);
    expect(new Set(receipts).size).toBe(5);
  });
});

describe("till (Buy Goods) pushes: BusinessShortCode = the store, PartyB = a till of that store", () => {
  const buyGoods = (path: string, partyB: number, phone = 254712345611) =>
    push(phone, path, { TransactionType: "CustomerBuyGoodsOnline", PartyB: partyB });

  it("a till of the store is prompted as usual", async () => {
    const path = cbPath();
    expect((await buyGoods(path, Number(EMULATOR_TILL))).body.ResponseCode).toBe("0");
    const [hit] = await rx.waitFor(path);
    expect(hit.body.Body.stkCallback).toMatchObject({ ResultCode: 0 });
  });

  it.each([
    ["the store number as PartyB", 174379, "CustomerBuyGoodsOnline"],
    ["a till of another store", 9990001, "CustomerBuyGoodsOnline"],
    ["a till pushed as a paybill", Number(EMULATOR_TILL), "CustomerPayBillOnline"],
  ])("%s: accepted, then SFC_IC0003 The operator does not exist, and no money moves", async (_what, partyB, type) => {
    emu.setTill(9990001, 600100);
    const before = emu.balances(174379).utility;
    const path = cbPath();
    const res = await push(254712345612, path, { TransactionType: type, PartyB: partyB });
    expect(res.body.ResponseCode).toBe("0");
    const [hit] = await rx.waitFor(path);
    expect(hit.body.Body.stkCallback).toEqual({
      MerchantRequestID: res.body.MerchantRequestID,
      CheckoutRequestID: res.body.CheckoutRequestID,
      ResultCode: "SFC_IC0003",
      ResultDesc: "The operator does not exist.",
    });
    expect(emu.balances(174379).utility).toBe(before);
  });

  it("the till number as BusinessShortCode has no passkey: Merchant does not exist, before any prompt", async () => {
    const res = await push(254712345613, cbPath(), {
      TransactionType: "CustomerBuyGoodsOnline",
      BusinessShortCode: Number(EMULATOR_TILL),
      Password: Buffer.from(`${EMULATOR_TILL}${SANDBOX_PASSKEY}${TIMESTAMP}`).toString("base64"),
      PartyB: 174379,
    });
    expect(res).toMatchObject({
      status: 500,
      body: { errorCode: "500.001.1001", errorMessage: "Merchant does not exist" },
    });
  });
});
