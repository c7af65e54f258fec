import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startEmulator, SANDBOX_PASSKEY, type Emulator } from "../emulator";
import {
  createDarajaClient,
  DarajaAuthError,
  DarajaError,
  DarajaNetworkError,
  DarajaTimeoutError,
  InMemoryTokenStore,
  isNoApiProductMatch,
  parseAccountBalanceResult,
  parseB2cResult,
  parseC2bConfirmation,
  parseQueueTimeout,
  parseReversalResult,
  parseStkCallback,
  parseTransactionStatusResult,
  stkPassword,
  type DarajaClientOptions,
} from "~/modules/daraja";

// The client against the Daraja emulator over real HTTP on 127.0.0.1. Callbacks land in a small
// receiver and are read with the module's own parsers.

const KEY = { consumerKey: "emulator-consumer-key", consumerSecret: "emulator-consumer-secret" };
let emu: Emulator;
let receiver: Server;
let hooks: string;
const received: { path: string; body: unknown }[] = [];

beforeAll(async () => {
  // The process clock is UTC, as on most hosts; the client must still produce EAT timestamps.
  process.env.TZ = "UTC";
  emu = await startEmulator({
    callbackDelayMs: 5,
    stkTimeoutDelayMs: 400,
    maxTimestampSkewSeconds: 120,
    pullPageSize: 2,
  });
  receiver = createServer((req, res) => {
    let data = "";
    req.on("data", (c) => (data += c));
    req.on("end", () => {
      received.push({ path: req.url ?? "", body: JSON.parse(data || "null") });
      res.writeHead(200, { "content-type": "application/json" }).end('{"ResultCode":0,"ResultDesc":"Success"}');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  hooks = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
});

afterAll(async () => {
  await emu?.close();
  await new Promise((r) => receiver?.close(r));
});

beforeEach(() => {
  emu.reset({ tokens: true });
  received.length = 0;
});

const client = (o: Partial<DarajaClientOptions> = {}) =>
  createDarajaClient({ baseUrl: emu.url, ...KEY, tokenStore: new InMemoryTokenStore(), timeoutMs: 5_000, ...o });

const push = (phone: string, extra: Partial<Parameters<ReturnType<typeof client>["stkPush"]>[0]> = {}) => ({
  businessShortCode: 174379,
  passkey: SANDBOX_PASSKEY,
  transactionType: "CustomerPayBillOnline" as const,
  amount: 150,
  phone,
  partyB: 174379,
  callbackUrl: `${hooks}/stk/abc`,
  accountReference: "SHP10492",
  transactionDesc: "Order 10492",
  ...extra,
});
// The sandbox initiator's password, encrypted with the emulator's certificate (as for Safaricom's, §4).
const initiator = () => ({
  initiatorName: "testapi",
  credential: { initiatorPassword: "Safaricom999!*!", certificatePem: emu.certificatePem },
  resultUrl: `${hooks}/result`,
  queueTimeOutUrl: `${hooks}/timeout`,
});
const callbacksAt = (path: string) => received.filter((r) => r.path.startsWith(`/hooks${path}`)).map((r) => r.body);

describe("STK Push and query", () => {
  it("pushes, receives the success callback and queries the final state", async () => {
    const c = client();
    const ack = await c.stkPush(push("0712345678"));
    expect(ack.responseCode).toBe("0");
    expect(ack.checkoutRequestId).toMatch(/^ws_CO_/);
    await emu.idle();
    const [cb] = callbacksAt("/stk/abc").map(parseStkCallback);
    expect(cb).toMatchObject({
      checkoutRequestId: ack.checkoutRequestId,
      resultCode: "0",
      amount: 150,
      phoneNumber: "254712345678",
    });
    expect(cb.mpesaReceiptNumber).toMatch(/^[A-Z0-9]{10}$/);
    expect(cb.transactionDate).toBeInstanceOf(Date);
    const q = await c.stkQuery({
      businessShortCode: 174379,
      passkey: SANDBOX_PASSKEY,
      checkoutRequestId: ack.checkoutRequestId,
    });
    expect(q).toMatchObject({ state: "final", resultCode: "0" });
    expect(emu.stats()).toMatchObject({ rejectedWrongPassword: 0, rejectedInvalidTimestamp: 0 });
  });

  it.each([
    ["0712340032", "1032"],
    ["0712340001", "1"],
    ["0712342001", "2001"],
    ["0712341019", "1019"],
    ["0712340017", "17"],
  ])("phone %s ends with callback and query result %s", async (phone, code) => {
    const c = client();
    const ack = await c.stkPush(push(phone));
    await emu.idle();
    expect(callbacksAt("/stk").map(parseStkCallback)).toEqual([
      expect.objectContaining({ resultCode: code, checkoutRequestId: ack.checkoutRequestId }),
    ]);
    expect(
      await c.stkQuery({
        businessShortCode: 174379,
        passkey: SANDBOX_PASSKEY,
        checkoutRequestId: ack.checkoutRequestId,
      }),
    ).toMatchObject({
      state: "final",
      resultCode: code,
    });
  });

  it("reports pending while the customer has not answered, then the 1037 timeout", async () => {
    const c = client();
    const ack = await c.stkPush(push("0712340037"));
    const query = () =>
      c.stkQuery({ businessShortCode: 174379, passkey: SANDBOX_PASSKEY, checkoutRequestId: ack.checkoutRequestId });
    expect(await query()).toEqual({ state: "pending" });
    await emu.idle();
    expect(await query()).toMatchObject({ state: "final", resultCode: "1037" });
  });

  it("sends numbers for numeric fields and EAT timestamps the emulator accepts with TZ=UTC", async () => {
    await client().stkPush(push("254712345678"));
    const [req] = emu.requests({ path: "/mpesa/stkpush" });
    const body = req.body as Record<string, unknown>;
    expect(typeof body.PartyA).toBe("number");
    expect(typeof body.BusinessShortCode).toBe("number");
    const eatNow = new Date(Date.now() + 3 * 3600_000).toISOString().replace(/[-:T]/g, "").slice(0, 10); // to the hour
    expect(String(body.Timestamp).slice(0, 10)).toBe(eatNow);
    expect(emu.stats().rejectedInvalidTimestamp).toBe(0);
  });

  it("the emulator does reject a UTC timestamp, so the check above can fail", async () => {
    const token = await client().getAccessToken();
    const ts = new Date().toISOString().replace(/[-:T]/g, "").slice(0, 14); // naive UTC
    const res = await fetch(`${emu.url}/mpesa/stkpush/v1/processrequest`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ ...stkBody(ts), Password: stkPassword(174379, SANDBOX_PASSKEY, ts) }),
    });
    expect(res.status).not.toBe(200);
    expect(emu.stats().rejectedInvalidTimestamp + emu.stats().rejectedWrongPassword).toBe(1);
  });

  it("a wrong passkey is a final Wrong credentials error", async () => {
    const err = await client()
      .stkPush(push("0712345678", { passkey: "not-the-passkey" }))
      .catch((e) => e);
    expect(err).toBeInstanceOf(DarajaError);
    expect(err).toMatchObject({ errorCode: "500.001.1001", kind: "final", httpStatus: 500 });
    expect(err.errorMessage).toMatch(/Wrong credentials/);
  });
});

function stkBody(ts: string) {
  return {
    BusinessShortCode: 174379,
    Timestamp: ts,
    TransactionType: "CustomerPayBillOnline",
    Amount: 1,
    PartyA: 254712345678,
    PartyB: 174379,
    PhoneNumber: 254712345678,
    CallBackURL: `${hooks}/stk/raw`,
    AccountReference: "RAW",
    TransactionDesc: "raw",
  };
}

describe("access tokens", () => {
  it("20 concurrent pushes share one OAuth request; later calls reuse the token", async () => {
    const c = client();
    const phones = Array.from({ length: 20 }, (_, i) => `07123456${String(i + 10)}`);
    const acks = await Promise.all(phones.map((p) => c.stkPush(push(p))));
    expect(new Set(acks.map((a) => a.checkoutRequestId)).size).toBe(20);
    await c.stkPush(push("0712345678"));
    expect(emu.stats().oauthRequests).toBe(1);
  });

  it("clients created per request share the token through the store", async () => {
    const store = new InMemoryTokenStore();
    await Promise.all([client({ tokenStore: store }).getAccessToken(), client({ tokenStore: store }).getAccessToken()]);
    await client({ tokenStore: store }).stkPush(push("0712345678"));
    expect(emu.stats().oauthRequests).toBe(1);
  });

  it.each([
    ["STK (404.001.03)", (c: ReturnType<typeof client>) => c.stkPush(push("0712345678"))],
    [
      "C2B (400.003.01)",
      (c: ReturnType<typeof client>) =>
        c.c2bRegisterUrl({
          shortCode: 600984,
          responseType: "Completed",
          confirmationUrl: `${hooks}/c2b/confirm`,
          validationUrl: `${hooks}/c2b/validate`,
        }),
    ],
    [
      "B2C (401.002.01)",
      (c: ReturnType<typeof client>) =>
        c.b2c({
          ...initiator(),
          originatorConversationId: `oc-${Math.random()}`,
          amount: 100,
          partyA: 600584,
          phone: "0712345678",
          remarks: "refund",
        }),
    ],
    [
      "Pull (401.001)",
      (c: ReturnType<typeof client>) =>
        c.pullRegister({ shortCode: 600984, nominatedNumber: "0722000000", callbackUrl: `${hooks}/pull` }),
    ],
  ])("refreshes an invalidated token once and retries: %s", async (_label, call) => {
    const c = client();
    await c.getAccessToken();
    emu.expireTokens();
    await call(c);
    expect(emu.stats()).toMatchObject({ oauthRequests: 2, rejectedInvalidToken: 1 });
  });

  it("wrong consumer secret is a DarajaAuthError", async () => {
    const err = await client({ consumerSecret: "wrong" })
      .stkPush(push("0712345678"))
      .catch((e) => e);
    expect(err).toBeInstanceOf(DarajaAuthError);
    expect(err).toMatchObject({ httpStatus: 400, kind: "final" });
    expect(emu.requests({ path: "/mpesa/" })).toHaveLength(0);
  });
});

describe("transport failures", () => {
  it("a push that times out after being sent is unknown and is not resent", async () => {
    emu.setEndpoint("/mpesa/stkpush/v1/processrequest", { latencyMs: 400 });
    const c = client({ timeoutMs: 100 });
    await c.getAccessToken(); // the OAuth call itself is fast
    const err = await c.stkPush(push("0712345678")).catch((e) => e);
    expect(err).toBeInstanceOf(DarajaTimeoutError);
    expect(err.kind).toBe("unknown-outcome");
    expect(emu.requests({ path: "/mpesa/stkpush" })).toHaveLength(1);
  });

  it("a query that times out is retryable", async () => {
    emu.setEndpoint("/mpesa/stkpushquery/v1/query", { latencyMs: 400 });
    const err = await client({ timeoutMs: 100 })
      .stkQuery({ businessShortCode: 174379, passkey: SANDBOX_PASSKEY, checkoutRequestId: "ws_CO_1" })
      .catch((e) => e);
    expect(err).toMatchObject({ name: "DarajaTimeoutError", kind: "retryable" });
  });

  it("nothing listening is a retryable DarajaNetworkError", async () => {
    const dead = await startEmulator();
    const url = dead.url;
    await dead.close();
    const err = await client({ baseUrl: url })
      .stkPush(push("0712345678"))
      .catch((e) => e);
    expect(err).toBeInstanceOf(DarajaNetworkError);
    expect(err.kind).toBe("retryable");
  });

  it("a proxy 503 page on a push is unknown; a Daraja 500 on a query is retryable", async () => {
    emu.setEndpoint("/mpesa/stkpush/v1/processrequest", { failTimes: 1, failStatus: 503 });
    const pushErr = await client()
      .stkPush(push("0712345678"))
      .catch((e) => e);
    expect(pushErr).toMatchObject({ httpStatus: 503, kind: "unknown-outcome" });
    emu.setEndpoint("/mpesa/accountbalance/v1/query", { failTimes: 1, failStatus: 500 });
    const balErr = await client()
      .accountBalance({ ...initiator(), partyA: 600984, remarks: "balance" })
      .catch((e) => e);
    expect(balErr).toMatchObject({ errorCode: "500.003.1001", kind: "retryable" });
  });
});

describe("C2B, initiator APIs, Pull and QR", () => {
  it("registers C2B URLs (v2) and parses the masked confirmation", async () => {
    const ack = await client().c2bRegisterUrl({
      shortCode: 600984,
      responseType: "Completed",
      confirmationUrl: `${hooks}/c2b/confirm`,
      validationUrl: `${hooks}/c2b/validate`,
    });
    expect(ack.responseCode).toMatch(/^0+$/);
    await emu.c2bPay({ shortCode: "600984", amount: 1500, msisdn: "254712345678", billRef: "shp10492" });
    const [conf] = callbacksAt("/c2b/confirm").map(parseC2bConfirmation);
    expect(conf).toMatchObject({ amount: 1500, billRefNormalized: "SHP10492", payer: { kind: "masked" } });
  });

  it("registers with v1 when asked; the version the shortcode is not on answers no apiproduct match (final)", async () => {
    emu.setC2bVersion(600985, "v1");
    const input = {
      shortCode: 600985,
      responseType: "Cancelled" as const,
      confirmationUrl: `${hooks}/c2b/v1/confirm`,
      validationUrl: `${hooks}/c2b/v1/validate`,
    };
    const wrong = await client()
      .c2bRegisterUrl({ ...input, version: "v2" })
      .catch((e) => e);
    expect(isNoApiProductMatch(wrong)).toBe(true);
    expect(wrong).toMatchObject({ kind: "final" });
    const ack = await client().c2bRegisterUrl({ ...input, version: "v1" });
    expect(ack.responseCode).toBe("0");
    expect(emu.c2bRegistration(600985)).toMatchObject({ version: "v1", responseType: "Cancelled" });
    expect(isNoApiProductMatch(new Error("no apiproduct match"))).toBe(false); // only Daraja's answer counts
  });

  it("B2C: ack, Result parsed; a reused OriginatorConversationID is final", async () => {
    const c = client();
    const input = {
      ...initiator(),
      originatorConversationId: "payout-1",
      amount: 100,
      partyA: 600584,
      phone: "0712345678",
      remarks: "refund",
      occasion: "order 1",
    };
    const ack = await c.b2c(input);
    expect(ack.conversationId).toBeTruthy();
    await emu.idle();
    const [result] = callbacksAt("/result").map(parseB2cResult);
    expect(result).toMatchObject({ resultCode: "0", originatorConversationId: "payout-1", transactionAmount: 100 });
    const dup = await c.b2c(input).catch((e) => e);
    expect(dup).toMatchObject({ errorCode: "500.002.1001", kind: "final" });
  });

  it("B2C queue timeout arrives as an unknown outcome", async () => {
    emu.setNextOutcome({ api: "b2c", queueTimeout: true });
    await client().b2c({
      ...initiator(),
      originatorConversationId: "payout-2",
      amount: 100,
      partyA: 600584,
      phone: "0712345678",
      remarks: "refund",
    });
    await emu.idle();
    expect(callbacksAt("/timeout").map(parseQueueTimeout)).toEqual([
      expect.objectContaining({ outcome: "unknown", originatorConversationId: "payout-2" }),
    ]);
  });

  it("reverses an STK payment and checks its status by receipt", async () => {
    const c = client();
    await c.stkPush(push("0712345678"));
    await emu.idle();
    const receipt = parseStkCallback(callbacksAt("/stk")[0]).mpesaReceiptNumber!;
    await c.transactionStatus({ ...initiator(), transactionId: receipt, partyA: 174379, remarks: "recon" });
    await c.reversal({ ...initiator(), transactionId: receipt, amount: 150, receiverParty: 174379, remarks: "refund" });
    await emu.idle();
    const results = callbacksAt("/result");
    const status = parseTransactionStatusResult(results.find((r) => JSON.stringify(r).includes("ReceiptNo")));
    expect(status).toMatchObject({ resultCode: "0", receiptNo: receipt });
    const reversal = parseReversalResult(results.find((r) => JSON.stringify(r).includes("OriginalTransactionID")));
    expect(reversal).toMatchObject({ resultCode: "0", originalTransactionId: receipt });
  });

  it("reads the account balance result into accounts", async () => {
    await client().accountBalance({ ...initiator(), partyA: 600984, remarks: "balance" });
    await emu.idle();
    const [r] = callbacksAt("/result").map(parseAccountBalanceResult);
    expect(r.accounts.map((a) => a.name)).toEqual(expect.arrayContaining(["Working Account", "Utility Account"]));
    expect(r.accounts.find((a) => a.name === "Utility Account")?.available).toBe(250_000);
  });

  it("a password encrypted with another certificate (Safaricom's bundled one) or a wrong password is Result 2001", async () => {
    const c = client();
    const bundled = { ...initiator(), credential: { initiatorPassword: "Safaricom999!*!" } };
    const wrong = { ...initiator(), credential: { initiatorPassword: "wrong", certificatePem: emu.certificatePem } };
    for (const input of [bundled, wrong]) {
      expect((await c.accountBalance({ ...input, partyA: 600985, remarks: "balance" })).responseCode).toBe("0");
    }
    await emu.idle();
    const results = callbacksAt("/result").map(parseAccountBalanceResult);
    expect(results.map((r) => [r.resultCode, r.resultDesc])).toEqual([
      ["2001", "The initiator information is invalid."],
      ["2001", "The initiator information is invalid."],
    ]);
  });

  it("pulls every transaction across pages until a short page", async () => {
    const c = client();
    await c.pullRegister({ shortCode: 600984, nominatedNumber: "0722000000", callbackUrl: `${hooks}/pull` });
    expect(
      (await c.pullRegister({ shortCode: 600984, nominatedNumber: "0722000000", callbackUrl: `${hooks}/pull` }))
        .alreadyRegistered,
    ).toBe(true);
    for (const amount of [10, 20, 30, 40, 50])
      await emu.c2bPay({ shortCode: "600984", amount, msisdn: "254712345678", billRef: "SHP1" });
    const rows = await c.pullQuery({
      shortCode: 600984,
      startDate: new Date(Date.now() - 3600_000),
      endDate: new Date(Date.now() + 60_000),
      pageSize: 2,
    });
    expect(rows.map((r) => r.amount)).toEqual([10, 20, 30, 40, 50]);
    expect(emu.requests({ path: "/pulltransactions/v1/query" })).toHaveLength(3);
  });

  it("generates a dynamic QR code", async () => {
    const qr = await client().dynamicQr({
      merchantName: "Example Shop",
      refNo: "SHP10492",
      amount: 1500,
      trxCode: "PB",
      cpi: "600984",
    });
    expect(Buffer.from(qr.qrCode, "base64").subarray(1, 4).toString()).toBe("PNG");
  });

  it("spike arrest is retryable", async () => {
    const limited = await startEmulator({ spikeArrestPerSecond: 1 });
    try {
      const c = createDarajaClient({ baseUrl: limited.url, ...KEY, tokenStore: new InMemoryTokenStore() });
      const results = await Promise.allSettled(
        [1, 2, 3].map(() => c.dynamicQr({ merchantName: "Shop", refNo: "R", amount: 1, trxCode: "PB", cpi: "600984" })),
      );
      const rejected = results.filter((r): r is PromiseRejectedResult => r.status === "rejected").map((r) => r.reason);
      expect(rejected.length).toBeGreaterThan(0);
      expect(rejected[0]).toMatchObject({ errorCode: "500.003.02", kind: "retryable" });
    } finally {
      await limited.close();
    }
  });
});
