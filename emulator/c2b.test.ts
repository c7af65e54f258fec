import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "./index";
import { call, startReceiver, STK_PUSH, stkBody, token, type Receiver } from "./test-support";

let emu: Emulator;
let rx: Receiver;
let bearer: string;
let nextShortCode = 600100;

beforeAll(async () => {
  rx = await startReceiver();
  emu = await startEmulator({ callbackDelayMs: 5, c2bValidationTimeoutMs: 200, pullPageSize: 2 });
  bearer = await token(emu);
});
afterAll(async () => {
  await emu.close();
  await rx.close();
});

/** Registers fresh URLs for a fresh shortcode (tests run in random order). */
async function register(version: "v1" | "v2", responseType = "Completed") {
  const shortCode = String(nextShortCode++);
  const res = await call(
    emu,
    `/mpesa/c2b/${version}/registerurl`,
    {
      ShortCode: shortCode,
      ResponseType: responseType,
      ConfirmationURL: `${rx.url}/confirm/${shortCode}`,
      ValidationURL: `${rx.url}/validate/${shortCode}`,
    },
    { token: bearer },
  );
  return { shortCode, res };
}

describe("C2B register URL", () => {
  it('v1 answers ResponseCode "0", v2 the sandbox\'s "00000000", both with Daraja\'s misspelled key', async () => {
    const v1 = (await register("v1")).res;
    const v2 = (await register("v2")).res;
    expect(v1.body).toEqual({
      OriginatorCoversationID: expect.any(String),
      ResponseCode: "0",
      ResponseDescription: "Success",
    });
    expect(v2.body.ResponseCode).toBe("00000000");
  });

  it.each([
    ["https://shop.example/mpesa/confirm", "ConfirmationURL", "MPESA"],
    ["https://shop.example/Safaricom/c", "ConfirmationURL", "SAFARICOM"],
    ["https://shop.example/c?query=1", "ConfirmationURL", "QUERY"],
  ])("refuses %s with 400.003.02", async (url, field, word) => {
    const res = await call(
      emu,
      "/mpesa/c2b/v2/registerurl",
      { ShortCode: "600999", ResponseType: "Completed", ConfirmationURL: url },
      { token: bearer },
    );
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      errorCode: "400.003.02",
      errorMessage: `Bad Request - Invalid ${field} - URL has the word ${word}`,
    });
  });

  it("requires ResponseType exactly Completed or Cancelled", async () => {
    const res = await call(
      emu,
      "/mpesa/c2b/v2/registerurl",
      { ShortCode: "600999", ResponseType: "completed", ConfirmationURL: `${rx.url}/c` },
      { token: bearer },
    );
    expect(res.body.errorMessage).toBe("Bad Request - Invalid ResponseType");
  });

  it("a shortcode on one version answers the other's registerurl with the gateway's \"no apiproduct match\"", async () => {
    const shortCode = String(nextShortCode++);
    emu.setC2bVersion(shortCode, "v1");
    const body = () => ({
      ShortCode: shortCode,
      ResponseType: "Completed",
      ConfirmationURL: `${rx.url}/confirm/${shortCode}`,
      ValidationURL: `${rx.url}/validate/${shortCode}`,
    });
    const wrong = await call(emu, "/mpesa/c2b/v2/registerurl", body(), { token: bearer });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({
      fault: {
        faultstring: "Invalid API call as no apiproduct match found",
        detail: { errorcode: "keymanagement.service.InvalidAPICallAsNoApiProductMatchFound" },
      },
    });
    expect(emu.c2bRegistration(shortCode)).toBeNull();
    const right = await call(emu, "/mpesa/c2b/v1/registerurl", body(), { token: bearer });
    expect(right.body.ResponseCode).toBe("0");
    expect(emu.c2bRegistration(shortCode)).toMatchObject({ version: "v1", responseType: "Completed" });
  });

  it("the control API moves a shortcode between versions (and back to both)", async () => {
    const set = (version: string | null) =>
      fetch(`${emu.url}/__emulator/c2b/version`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ shortCode: "600777", version }),
      }).then((r) => r.json());
    expect(await set("v2")).toEqual({ shortCode: "600777", version: "v2" });
    const reg = (v: string) =>
      call(
        emu,
        `/mpesa/c2b/${v}/registerurl`,
        {
          ShortCode: "600777",
          ResponseType: "Cancelled",
          ConfirmationURL: `${rx.url}/c`,
          ValidationURL: `${rx.url}/v`,
        },
        { token: bearer },
      );
    expect((await reg("v1")).status).toBe(401);
    expect((await reg("v2")).body.ResponseCode).toBe("00000000");
    await set(null);
    expect((await reg("v1")).body.ResponseCode).toBe("0");
  });

  it("a till's payments reach the URLs registered for its store", async () => {
    const store = String(nextShortCode++);
    emu.setTill("7770001", store);
    await call(
      emu,
      "/mpesa/c2b/v2/registerurl",
      { ShortCode: store, ResponseType: "Completed", ConfirmationURL: `${rx.url}/confirm/${store}` },
      { token: bearer },
    );
    const paid = await emu.c2bPay({ shortCode: "7770001", amount: 15, msisdn: "254712345678", kind: "till" });
    expect(paid.confirmationStatus).toBe(200);
    const [hit] = rx.at(`/confirm/${store}`);
    expect(hit.body).toMatchObject({
      TransactionType: "Buy Goods",
      BusinessShortCode: "7770001",
      TransAmount: "15.00",
    });
  });

  it("uses the C2B invalid-token envelope", async () => {
    const res = await call(emu, "/mpesa/c2b/v1/registerurl", {}, { token: "stale" });
    expect(res).toMatchObject({ status: 400, body: { errorCode: "400.003.01", errorMessage: "Invalid Access Token" } });
  });
});

describe("C2B customer payments", () => {
  it("v1 confirmation carries the SHA-256 hex MSISDN and the new Utility balance; no validation by default", async () => {
    const { shortCode } = await register("v1");
    const before = emu.balances(shortCode).utility;
    const result = await emu.c2bPay({ shortCode, amount: 1500, msisdn: "254712345678", billRef: "SHP10492" });
    expect(result).toMatchObject({ status: "completed", confirmationStatus: 200 });
    expect(rx.at(`/validate/${shortCode}`)).toHaveLength(0);
    const [hit] = rx.at(`/confirm/${shortCode}`);
    expect(hit.body).toEqual({
      TransactionType: "Pay Bill",
      TransID: result.transId,
      TransTime: expect.stringMatching(/^\d{14}$/),
      TransAmount: "1500.00",
      BusinessShortCode: shortCode,
      BillRefNumber: "SHP10492",
      InvoiceNumber: "",
      OrgAccountBalance: (before + 1500).toFixed(2),
      ThirdPartyTransID: "",
      MSISDN: createHash("sha256").update("254712345678").digest("hex"),
      FirstName: "JOHN",
      MiddleName: "",
      LastName: "",
    });
    expect(emu.balances(shortCode).utility).toBe(before + 1500);
  });

  it("v2 masks the MSISDN; msisdnStyle overrides the registration's version", async () => {
    const { shortCode } = await register("v2");
    await emu.c2bPay({ shortCode, amount: 10, msisdn: "254712345678", kind: "till" });
    await emu.c2bPay({ shortCode, amount: 10, msisdn: "254712345678", msisdnStyle: "v1" });
    const [masked, hashed] = rx.at(`/confirm/${shortCode}`).map((h) => h.body);
    expect(masked).toMatchObject({ MSISDN: "2547 ***** 678", TransactionType: "Buy Goods", BillRefNumber: "" });
    expect(hashed.MSISDN).toMatch(/^[0-9a-f]{64}$/);
  });

  it("with validation enabled, an accepting merchant gets validation then confirmation (ThirdPartyTransID echoed)", async () => {
    const { shortCode } = await register("v2");
    emu.setC2bValidation(shortCode, true);
    rx.answer(`/validate/${shortCode}`, {
      body: { ResultCode: "0", ResultDesc: "Accepted", ThirdPartyTransID: "ORDER-1" },
    });
    const result = await emu.c2bPay({ shortCode, amount: 200, msisdn: "254712345678", billRef: "A1" });
    expect(result.status).toBe("completed");
    const [validation] = rx.at(`/validate/${shortCode}`);
    expect(validation.body).toMatchObject({ TransID: result.transId, OrgAccountBalance: "", TransAmount: "200.00" });
    const [confirmation] = rx.at(`/confirm/${shortCode}`);
    expect(confirmation.body.ThirdPartyTransID).toBe("ORDER-1");
  });

  it("a rejecting merchant gets no confirmation and no money moves", async () => {
    const { shortCode } = await register("v2");
    emu.setC2bValidation(shortCode, true);
    rx.answer(`/validate/${shortCode}`, { body: { ResultCode: "C2B00012", ResultDesc: "Rejected" } });
    const before = emu.balances(shortCode).utility;
    const result = await emu.c2bPay({ shortCode, amount: 200, msisdn: "254712345678", billRef: "NOPE" });
    expect(result).toMatchObject({ status: "rejected", validation: { status: 200, resultCode: "C2B00012" } });
    expect(rx.at(`/confirm/${shortCode}`)).toHaveLength(0);
    expect(emu.balances(shortCode).utility).toBe(before);
  });

  it("an unanswered validation applies ResponseType (Cancelled: rejected)", async () => {
    const { shortCode } = await register("v2", "Cancelled");
    emu.setC2bValidation(shortCode, true);
    rx.answer(`/validate/${shortCode}`, { delayMs: 400 });
    const result = await emu.c2bPay({ shortCode, amount: 5, msisdn: "254712345678" });
    expect(result).toMatchObject({ status: "rejected", validation: { status: null, appliedResponseType: true } });
  });

  it("the simulate endpoint acknowledges, then delivers the confirmation", async () => {
    const { shortCode } = await register("v1");
    const res = await call(
      emu,
      "/mpesa/c2b/v2/simulate",
      {
        ShortCode: Number(shortCode),
        CommandID: "CustomerPayBillOnline",
        Amount: 10,
        Msisdn: 254708374149,
        BillRefNumber: "SHP1",
      },
      { token: bearer },
    );
    expect(res.body).toEqual({
      OriginatorCoversationID: expect.any(String),
      ResponseCode: "0",
      ResponseDescription: "Accept the service request successfully.",
    });
    const [hit] = await rx.waitFor(`/confirm/${shortCode}`);
    expect(hit.body).toMatchObject({ TransAmount: "10.00", BillRefNumber: "SHP1" });
  });

  it("the HTTP control API pays too", async () => {
    const { shortCode } = await register("v2");
    const res = await fetch(`${emu.url}/__emulator/c2b/pay`, {
      method: "POST",
      body: JSON.stringify({ shortCode, amount: 42, msisdn: "254712345678", msisdnStyle: "v2" }),
    });
    expect(res.status).toBe(200);
    expect((await res.json()).status).toBe("completed");
    expect(rx.at(`/confirm/${shortCode}`)[0].body.TransAmount).toBe("42.00");
  });
});

describe("Pull Transactions", () => {
  const eatNow = () => new Date(Date.now() + 3 * 3600_000).toISOString().replace("T", " ").slice(0, 19);
  const query = (shortCode: string, offset: number | string) =>
    call(
      emu,
      "/pulltransactions/v1/query",
      { ShortCode: shortCode, StartDate: "2020-01-01 00:00:00", EndDate: eatNow(), OffSetValue: offset },
      { token: bearer },
    );

  it("needs registration, then pages through what was paid as a nested array", async () => {
    const { shortCode } = await register("v2");
    const refused = await query(shortCode, 0);
    expect(refused.body.errorCode).toBe("400.001");

    const reg = await call(
      emu,
      "/pulltransactions/v1/register",
      { ShortCode: shortCode, RequestType: "Pull", NominatedNumber: "254722000000", CallBackURL: `${rx.url}/pull` },
      { token: bearer },
    );
    expect(reg.body).toMatchObject({
      ResponseStatus: "1000",
      ShortCode: shortCode,
      ResponseDescription: "Shortcode Registered Successfully",
    });
    const again = await call(
      emu,
      "/pulltransactions/v1/register",
      { ShortCode: shortCode, RequestType: "Pull", NominatedNumber: "254722000000", CallBackURL: `${rx.url}/pull` },
      { token: bearer },
    );
    expect(again.body.ResponseStatus).toBe("1001");

    const paid = [];
    for (const amount of [11, 12, 13])
      paid.push((await emu.c2bPay({ shortCode, amount, msisdn: "254722000000", billRef: `R${amount}` })).transId);
    const page1 = await query(shortCode, 0);
    expect(page1.body).toMatchObject({ ResponseCode: "1000", Response: [expect.any(Array)] });
    const page2 = await query(shortCode, "2");
    const rows = [...page1.body.Response[0], ...page2.body.Response[0]];
    expect(rows.map((r: any) => r.transactionId)).toEqual(paid);
    expect(rows[0]).toMatchObject({
      msisdn: "722000000",
      billreference: "R11",
      amount: "11.00",
      transactiontype: "c2b-pay-bill-debit",
    });
    const empty = await query(shortCode, 4);
    expect(empty.body).toMatchObject({
      ResponseCode: "1001",
      ResponseMessage: "No records found or Organization Name not available",
    });
  });

  it("uses the Pull invalid-token envelope", async () => {
    const res = await call(emu, "/pulltransactions/v1/query", {}, { token: "stale" });
    expect(res).toMatchObject({ status: 401, body: { errorCode: "401.001" } });
  });
});

describe("C2B: what customers type, and the STK payment also reported by C2B (issue 11)", () => {
  it.each([
    ["spaces", " INV 100 1 "],
    ["hash", "#INV1001"],
    ["lower", "inv1001"],
    ["leading_zeros", "INV001001"],
    ["dash", "INV-1001"],
    ["order_name", "#1001"],
  ] as const)("typo %s turns INV1001 into %j in the confirmation", async (typo, typed) => {
    const { shortCode } = await register("v2");
    const paid = await emu.c2bPay({ shortCode, amount: 100, msisdn: "254712345678", billRef: "INV1001", typo });
    const [hit] = (await rx.waitFor(`/confirm/${shortCode}`)).filter((h) => h.body.TransID === paid.transId);
    expect(hit.body.BillRefNumber).toBe(typed);
  });

  it("refuses a typo it does not know (control API)", async () => {
    const { shortCode } = await register("v2");
    const res = await fetch(`${emu.url}/__emulator/c2b/pay`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ shortCode, amount: 1, msisdn: "254712345678", billRef: "A1", typo: "smudge" }),
    });
    expect(res.status).toBe(400);
  });

  it("with stk-echo on, a successful STK payment also reaches the C2B confirmation URL with the same receipt", async () => {
    const reg = await call(
      emu,
      "/mpesa/c2b/v1/registerurl",
      {
        ShortCode: "174379",
        ResponseType: "Completed",
        ConfirmationURL: `${rx.url}/confirm/stk-echo`,
        ValidationURL: `${rx.url}/validate/stk-echo`,
      },
      { token: bearer },
    );
    expect(reg.status).toBe(200);
    await fetch(`${emu.url}/__emulator/c2b/stk-echo`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ shortCode: "174379", enabled: true }),
    });
    try {
      const push = await call(
        emu,
        STK_PUSH,
        stkBody("254712340055", `${rx.url}/stk/echo`, { AccountReference: "INV2002", Amount: 75 }),
        { token: bearer },
      );
      expect(push.status).toBe(200);
      const [stk] = await rx.waitFor("/stk/echo");
      const receipt = stk.body.Body.stkCallback.CallbackMetadata.Item.find(
        (i: { Name: string }) => i.Name === "MpesaReceiptNumber",
      ).Value;
      const [c2b] = await rx.waitFor("/confirm/stk-echo");
      expect(c2b.body).toMatchObject({ TransID: receipt, BillRefNumber: "INV2002", TransAmount: "75.00" });
      expect(c2b.body.MSISDN).toBe(createHash("sha256").update("254712340055").digest("hex"));
    } finally {
      await fetch(`${emu.url}/__emulator/c2b/stk-echo`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ shortCode: "174379", enabled: false }),
      });
    }
  });
});
