import { generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EMULATOR_CERTIFICATE, startEmulator, type Emulator } from "./index";
import { call, securityCredential, startReceiver, token, type Receiver } from "./test-support";

let emu: Emulator;
let rx: Receiver;
let bearer: string;
let n = 0;
let nextShortCode = 600200;

beforeAll(async () => {
  rx = await startReceiver();
  emu = await startEmulator({ callbackDelayMs: 5, initialBalances: { working: 1000, utility: 5000, charges: 0 } });
  bearer = await token(emu);
});
afterAll(async () => {
  await emu.close();
  await rx.close();
});

const urls = () => {
  const id = ++n;
  return {
    ResultURL: `${rx.url}/result/${id}`,
    QueueTimeOutURL: `${rx.url}/timeout/${id}`,
    result: `/result/${id}`,
    timeout: `/timeout/${id}`,
  };
};

function b2c(partyA: string, amount: number, u = urls(), over: Record<string, unknown> = {}) {
  const body = {
    OriginatorConversationID: `orig-${n}-${amount}`,
    InitiatorName: "testapi",
    SecurityCredential: securityCredential(),
    CommandID: "BusinessPayment",
    Amount: amount,
    PartyA: partyA,
    PartyB: "254712345678",
    Remarks: "refund",
    QueueTimeOutURL: u.QueueTimeOutURL,
    ResultURL: u.ResultURL,
    Occassion: "order 1",
    ...over,
  };
  return call(emu, "/mpesa/b2c/v3/paymentrequest", body, { token: bearer });
}

const initiator = (u: ReturnType<typeof urls>) => ({
  Initiator: "testapi",
  SecurityCredential: securityCredential(),
  ResultURL: u.ResultURL,
  QueueTimeOutURL: u.QueueTimeOutURL,
  Remarks: "recon",
});

const params = (result: any): Record<string, unknown> =>
  Object.fromEntries([result.ResultParameters.ResultParameter].flat().map((p: any) => [p.Key, p.Value]));

describe("B2C", () => {
  it("acknowledges, then posts a Result and debits the Utility account", async () => {
    const shortCode = String(nextShortCode++);
    const u = urls();
    const ack = await b2c(shortCode, 100, u);
    expect(ack.body).toEqual({
      OriginatorConversationID: expect.any(String),
      ConversationID: expect.stringMatching(/^AG_\d{8}_[0-9a-f]{20}$/),
      ResponseCode: "0",
      ResponseDescription: "Accept the service request successfully.",
    });
    const [hit] = await rx.waitFor(u.result);
    const r = hit.body.Result;
    expect(r).toMatchObject({
      ResultType: 0,
      ResultCode: 0,
      ConversationID: ack.body.ConversationID,
      TransactionID: expect.stringMatching(/^[A-Z0-9]{10}$/),
    });
    expect(r.ReferenceData.ReferenceItem).toEqual({ Key: "QueueTimeoutURL", Value: expect.any(String) });
    expect(params(r)).toMatchObject({
      TransactionAmount: 100,
      TransactionReceipt: r.TransactionID,
      B2CUtilityAccountAvailableFunds: 4900,
    });
    expect(params(r).TransactionCompletedDateTime).toMatch(/^\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}:\d{2}$/);
    expect(emu.balances(shortCode).utility).toBe(4900);
  });

  it("fails with ResultCode 1 when the Utility account cannot cover it (Working money does not count)", async () => {
    const shortCode = String(nextShortCode++);
    emu.setBalances(shortCode, { utility: 50, working: 100_000 });
    const u = urls();
    await b2c(shortCode, 60, u);
    const [hit] = await rx.waitFor(u.result);
    expect(hit.body.Result).toMatchObject({ ResultCode: 1 });
    expect(hit.body.Result.ResultParameters).toBeUndefined();
    expect(emu.balances(shortCode).utility).toBe(50);
  });

  it("a forced queue timeout goes to QueueTimeOutURL and moves no money", async () => {
    const shortCode = String(nextShortCode++);
    emu.setNextOutcome({ api: "b2c", queueTimeout: true });
    const u = urls();
    const ack = await b2c(shortCode, 100, u);
    const [hit] = await rx.waitFor(u.timeout);
    expect(hit.body.Result).toMatchObject({
      OriginatorConversationID: ack.body.OriginatorConversationID,
      ConversationID: ack.body.ConversationID,
    });
    expect(rx.at(u.result)).toHaveLength(0);
    expect(emu.balances(shortCode).utility).toBe(5000);
  });

  it("checks amounts 10..250000, the phone, and duplicate OriginatorConversationIDs", async () => {
    expect((await b2c("600300", 9)).body.errorMessage).toBe("Bad Request - Invalid Amount");
    expect((await b2c("600300", 250_001)).body.errorMessage).toBe("Bad Request - Invalid Amount");
    expect((await b2c("600300", 10, urls(), { PartyB: "0712345678" })).body.errorMessage).toBe(
      "Bad Request - Invalid PartyB",
    );
    const first = await b2c("600300", 10, urls(), { OriginatorConversationID: "dup-1" });
    expect(first.status).toBe(200);
    const again = await b2c("600300", 10, urls(), { OriginatorConversationID: "dup-1" });
    expect(again).toMatchObject({ status: 500, body: { errorCode: "500.002.1001" } });
  });

  it("B2C to an unregistered number (…2040) or one not on M-PESA (…9003) fails and moves no money", async () => {
    const shortCode = String(nextShortCode++);
    const u1 = urls();
    await b2c(shortCode, 100, u1, { PartyB: "254712342040" });
    const [unregistered] = await rx.waitFor(u1.result);
    expect(unregistered.body.Result).toMatchObject({ ResultCode: 2040 });
    expect(params(unregistered.body.Result)).toEqual({ B2CRecipientIsRegisteredCustomer: "N" });
    const u2 = urls();
    await b2c(shortCode, 100, u2, { PartyB: "254712349003" });
    expect((await rx.waitFor(u2.result))[0].body.Result).toMatchObject({ ResultCode: "SFC_IC0003" });
    expect(emu.balances(shortCode).utility).toBe(5000);
  });

  it("results can be forced to arrive twice, or never (the money moves either way)", async () => {
    const shortCode = String(nextShortCode++);
    emu.setNextOutcome({ api: "b2c", delivery: "twice" });
    const u = urls();
    await b2c(shortCode, 100, u);
    const hits = await rx.waitFor(u.result, 2);
    expect(hits[1].body).toEqual(hits[0].body);
    expect(emu.balances(shortCode).utility).toBe(4900);
    emu.setNextOutcome({ api: "b2c", delivery: "none" });
    const silent = urls();
    const ack = await b2c(shortCode, 100, silent);
    expect(ack.status).toBe(200);
    // The payout is made (Transaction Status would find it), but nothing is posted.
    const probe = urls();
    await b2c(shortCode, 10, probe); // a later request's result proves the silent one was processed
    await rx.waitFor(probe.result);
    expect(rx.at(silent.result)).toHaveLength(0);
    expect(emu.balances(shortCode).utility).toBe(4790);
  });

  it("v1 needs no OriginatorConversationID and generates one", async () => {
    const u = urls();
    const { OriginatorConversationID: _, ...body } = {
      OriginatorConversationID: "",
      InitiatorName: "testapi",
      SecurityCredential: securityCredential(),
      CommandID: "BusinessPayment",
      Amount: 10,
      PartyA: "600301",
      PartyB: "254712345678",
      Remarks: "ok",
      QueueTimeOutURL: u.QueueTimeOutURL,
      ResultURL: u.ResultURL,
    };
    const res = await call(emu, "/mpesa/b2c/v1/paymentrequest", body, { token: bearer });
    expect(res.body.OriginatorConversationID).toEqual(expect.any(String));
    await rx.waitFor(u.result);
  });
});

describe("initiator credentials (SecurityCredential)", () => {
  const INVALID = { ResultCode: 2001, ResultDesc: "The initiator information is invalid." };
  const balanceQuery = (target: Emulator, t: string, shortCode: string, u: ReturnType<typeof urls>, over = {}) =>
    call(
      target,
      "/mpesa/accountbalance/v1/query",
      { ...initiator(u), CommandID: "AccountBalance", PartyA: shortCode, IdentifierType: "4", ...over },
      { token: t },
    );

  it("the sandbox initiator's password encrypted with the emulator's certificate is accepted", async () => {
    const credential = securityCredential("Safaricom999!*!", emu.certificatePem);
    expect(credential).toHaveLength(344); // 2048-bit key, base64
    const shortCode = String(nextShortCode++);
    const u = urls();
    await b2c(shortCode, 100, u, { SecurityCredential: credential });
    expect((await rx.waitFor(u.result))[0].body.Result.ResultCode).toBe(0);
    expect(emu.balances(shortCode).utility).toBe(4900);
  });

  it("a wrong password is acknowledged, then answered 2001 in the Result, and no money moves", async () => {
    const shortCode = String(nextShortCode++);
    const ledger = emu.ledger().length;
    const rejected = emu.stats().rejectedInitiatorCredential;
    const u = urls();
    const ack = await b2c(shortCode, 100, u, { SecurityCredential: securityCredential("Safaricom999!*?") });
    expect(ack.body).toMatchObject({
      ResponseCode: "0",
      ResponseDescription: "Accept the service request successfully.",
    });
    const [hit] = await rx.waitFor(u.result);
    expect(hit.body.Result).toMatchObject({ ...INVALID, ConversationID: ack.body.ConversationID });
    expect(hit.body.Result.ResultParameters).toBeUndefined();
    expect(emu.balances(shortCode).utility).toBe(5000);
    expect(emu.ledger()).toHaveLength(ledger);
    expect(emu.stats().rejectedInitiatorCredential).toBe(rejected + 1);
  });

  it("the right password encrypted with another certificate, or no ciphertext at all, is 2001", async () => {
    const other = generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey.export({ type: "spki", format: "pem" });
    for (const credential of [securityCredential("Safaricom999!*!", String(other)), "c2VjcmV0", "Safaricom999!*!"]) {
      const shortCode = String(nextShortCode++);
      const u = urls();
      await b2c(shortCode, 100, u, { SecurityCredential: credential });
      expect((await rx.waitFor(u.result))[0].body.Result).toMatchObject(INVALID);
      expect(emu.balances(shortCode).utility).toBe(5000);
    }
  });

  it("Reversal and Transaction Status check it too: a wrong one reverses nothing and reports nothing", async () => {
    const shortCode = String(nextShortCode++);
    const { transId } = await emu.c2bPay({ shortCode, amount: 700, msisdn: "254712345678" });
    const wrong = securityCredential("not-the-password");
    const r = urls();
    await call(
      emu,
      "/mpesa/reversal/v1/request",
      {
        ...initiator(r),
        SecurityCredential: wrong,
        CommandID: "TransactionReversal",
        TransactionID: transId,
        Amount: 700,
        ReceiverParty: shortCode,
        RecieverIdentifierType: "11",
      },
      { token: bearer },
    );
    expect((await rx.waitFor(r.result))[0].body.Result).toMatchObject(INVALID);
    expect(emu.balances(shortCode).utility).toBe(5700);
    expect(emu.ledger().find((e) => e.receipt === transId)?.reversedBy).toBeUndefined();
    const s = urls();
    await call(
      emu,
      "/mpesa/transactionstatus/v1/query",
      {
        ...initiator(s),
        SecurityCredential: wrong,
        CommandID: "TransactionStatusQuery",
        TransactionID: transId,
        PartyA: shortCode,
        IdentifierType: "4",
      },
      { token: bearer },
    );
    const status = (await rx.waitFor(s.result))[0].body.Result;
    expect(status).toMatchObject(INVALID);
    expect(status.ResultParameters).toBeUndefined();
  });

  it("a configured initiator has its own password; unlisted initiators keep the sandbox one", async () => {
    const own = await startEmulator({ callbackDelayMs: 5, initiators: { "refunds-api": "Own-Pass-2026!" } });
    try {
      const t = await token(own);
      const ask = async (name: string, password: string) => {
        const u = urls();
        await balanceQuery(own, t, "600900", u, { Initiator: name, SecurityCredential: securityCredential(password) });
        return (await rx.waitFor(u.result))[0].body.Result;
      };
      expect((await ask("refunds-api", "Own-Pass-2026!")).ResultCode).toBe(0);
      expect(await ask("refunds-api", "Safaricom999!*!")).toMatchObject(INVALID);
      expect((await ask("testapi", "Safaricom999!*!")).ResultCode).toBe(0);
      expect(await ask("testapi", "Own-Pass-2026!")).toMatchObject(INVALID);
    } finally {
      await own.close();
    }
  });

  it("initiatorLockAfter: failures in a row lock the credential (8006), even the right password, until reset", async () => {
    const locking = await startEmulator({ callbackDelayMs: 5, initiatorLockAfter: 2 });
    try {
      const t = await token(locking);
      const ask = async (password: string) => {
        const u = urls();
        await balanceQuery(locking, t, "600901", u, { SecurityCredential: securityCredential(password) });
        return (await rx.waitFor(u.result))[0].body.Result;
      };
      expect(await ask("wrong-1")).toMatchObject(INVALID);
      expect((await ask("Safaricom999!*!")).ResultCode).toBe(0); // a success clears the count
      expect(await ask("wrong-2")).toMatchObject(INVALID);
      expect(await ask("wrong-3")).toMatchObject(INVALID);
      const locked = { ResultCode: 8006, ResultDesc: "The security credential is locked." };
      expect(await ask("Safaricom999!*!")).toMatchObject(locked);
      locking.reset();
      expect((await ask("Safaricom999!*!")).ResultCode).toBe(0);
    } finally {
      await locking.close();
    }
  });

  it("the certificate is served by the control API and exported for in-process use", async () => {
    const res = await fetch(`${emu.url}/__emulator/certificate`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(EMULATOR_CERTIFICATE);
    expect(emu.certificatePem).toBe(EMULATOR_CERTIFICATE);
    expect(EMULATOR_CERTIFICATE).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
    const index = (await (await fetch(`${emu.url}/__emulator/`)).json()) as { endpoints: string[] };
    expect(index.endpoints.some((e) => e.startsWith("GET /__emulator/certificate"))).toBe(true);
  });
});

describe("Reversal, Transaction Status, Account Balance", () => {
  it("reversing a C2B payment moves the money back, once", async () => {
    const shortCode = String(nextShortCode++);
    const { transId } = await emu.c2bPay({ shortCode, amount: 700, msisdn: "254712345678" });
    expect(emu.balances(shortCode).utility).toBe(5700);
    const reverse = async () => {
      const u = urls();
      await call(
        emu,
        "/mpesa/reversal/v1/request",
        {
          ...initiator(u),
          CommandID: "TransactionReversal",
          TransactionID: transId,
          Amount: 700,
          ReceiverParty: shortCode,
          RecieverIdentifierType: "11",
          Occasion: "refund",
        },
        { token: bearer },
      );
      return (await rx.waitFor(u.result))[0].body.Result;
    };
    const first = await reverse();
    expect(first.ResultCode).toBe(0);
    expect(params(first)).toMatchObject({
      OriginalTransactionID: transId,
      Amount: 700,
      DebitAccountBalance: "Utility Account|KES|5000.00|5000.00|0.00|0.00",
    });
    expect(emu.balances(shortCode).utility).toBe(5000);
    const second = await reverse();
    expect(second.ResultCode).toBe("R000001");
    expect(emu.balances(shortCode).utility).toBe(5000);
  });

  it("a receipt older than the reversal window cannot be reversed (R000002, money stays)", async () => {
    let clock = Date.parse("2026-12-01T08:00:00Z");
    const old = await startEmulator({ callbackDelayMs: 5, now: () => clock, reversalWindowMs: 24 * 3600_000 });
    try {
      const shortCode = "600777";
      const { transId } = await old.c2bPay({ shortCode, amount: 300, msisdn: "254712345678" });
      clock += 24 * 3600_000 + 1000;
      const t = await token(old);
      const u = urls();
      await call(
        old,
        "/mpesa/reversal/v1/request",
        {
          ...initiator(u),
          CommandID: "TransactionReversal",
          TransactionID: transId,
          Amount: 300,
          ReceiverParty: shortCode,
          RecieverIdentifierType: "11",
        },
        { token: t },
      );
      const [hit] = await rx.waitFor(u.result);
      expect(hit.body.Result).toMatchObject({
        ResultCode: "R000002",
        ResultDesc: "The transaction is outside the reversal window.",
      });
      expect(old.balances(shortCode).utility).toBe(250_300);
    } finally {
      await old.close();
    }
  });

  it("an unknown receipt cannot be reversed (R000002)", async () => {
    const u = urls();
    await call(
      emu,
      "/mpesa/reversal/v1/request",
      {
        ...initiator(u),
        CommandID: "TransactionReversal",
        TransactionID: "ZZZZZZZZZZ",
        Amount: 1,
        ReceiverParty: "600999",
        RecieverIdentifierType: "11",
      },
      { token: bearer },
    );
    expect((await rx.waitFor(u.result))[0].body.Result.ResultCode).toBe("R000002");
  });

  it("Transaction Status finds a receipt (string parameters) and answers 2032 for an unknown one", async () => {
    const shortCode = String(nextShortCode++);
    const { transId } = await emu.c2bPay({ shortCode, amount: 321, msisdn: "254712345678" });
    const status = async (id: string) => {
      const u = urls();
      const ack = await call(
        emu,
        "/mpesa/transactionstatus/v1/query",
        {
          ...initiator(u),
          CommandID: "TransactionStatusQuery",
          TransactionID: id,
          PartyA: shortCode,
          IdentifierType: "4",
          Occasion: "",
        },
        { token: bearer },
      );
      expect(ack.body.ResponseCode).toBe("0");
      return (await rx.waitFor(u.result))[0].body.Result;
    };
    const found = await status(transId);
    expect(found.ResultCode).toBe(0);
    expect(params(found)).toMatchObject({ ReceiptNo: transId, Amount: "321.00", TransactionStatus: "Completed" });
    expect((await status("QQQQQQQQQQ")).ResultCode).toBe(2032);
  });

  it("Transaction Status of another shortcode's receipt names the shortcode it was paid to (CreditPartyName)", async () => {
    const mine = String(nextShortCode++);
    const theirs = String(nextShortCode++);
    const { transId } = await emu.c2bPay({ shortCode: theirs, amount: 700, msisdn: "254712345678" });
    const u = urls();
    await call(
      emu,
      "/mpesa/transactionstatus/v1/query",
      {
        ...initiator(u),
        CommandID: "TransactionStatusQuery",
        TransactionID: transId,
        PartyA: mine,
        IdentifierType: "4",
        Occasion: "",
      },
      { token: bearer },
    );
    const result = (await rx.waitFor(u.result))[0].body.Result;
    expect(result.ResultCode).toBe(0);
    expect(params(result).CreditPartyName).toBe(`${theirs} - EMULATED MERCHANT`);
  });

  it("a customer payment whose confirmation is lost moves the money (findable by receipt) but posts nothing", async () => {
    const shortCode = String(nextShortCode++);
    const registered = await call(
      emu,
      "/mpesa/c2b/v2/registerurl",
      { ShortCode: shortCode, ResponseType: "Completed", ConfirmationURL: `${rx.url}/confirm/${shortCode}` },
      { token: bearer },
    );
    expect(registered.status).toBe(200);
    const delivered = await emu.c2bPay({ shortCode, amount: 100, msisdn: "254712345678" });
    expect(delivered.confirmationStatus).toBe(200); // the registration works: confirmations are posted
    const before = emu.callbacks({ kind: "c2b:confirmation" }).length;
    const paid = await emu.c2bPay({ shortCode, amount: 250, msisdn: "254712345678", confirmation: "none" });
    expect(paid.confirmationStatus).toBeUndefined();
    expect(emu.ledger().some((e) => e.receipt === paid.transId && e.amount === 250)).toBe(true);
    expect(emu.callbacks({ kind: "c2b:confirmation" }).length).toBe(before);
  });

  it("Transaction Status finds a B2C by its OriginatorConversationID", async () => {
    const shortCode = String(nextShortCode++);
    const u = urls();
    const ack = await b2c(shortCode, 20, u);
    await rx.waitFor(u.result);
    const q = urls();
    await call(
      emu,
      "/mpesa/transactionstatus/v1/query",
      {
        ...initiator(q),
        CommandID: "TransactionStatusQuery",
        OriginatorConversationID: ack.body.OriginatorConversationID,
        PartyA: shortCode,
        IdentifierType: "4",
      },
      { token: bearer },
    );
    const result = (await rx.waitFor(q.result))[0].body.Result;
    expect(params(result)).toMatchObject({
      Amount: "20.00",
      OriginatorConversationID: ack.body.OriginatorConversationID,
    });
  });

  it("Account Balance reports the accounts in the &/| string format", async () => {
    const shortCode = String(nextShortCode++);
    emu.setBalances(shortCode, { working: 700000, utility: 228037, charges: -1540 });
    const u = urls();
    await call(
      emu,
      "/mpesa/accountbalance/v1/query",
      { ...initiator(u), CommandID: "AccountBalance", PartyA: shortCode, IdentifierType: "4" },
      { token: bearer },
    );
    const result = (await rx.waitFor(u.result))[0].body.Result;
    expect(params(result).AccountBalance).toBe(
      "Working Account|KES|700000.00|700000.00|0.00|0.00&Utility Account|KES|228037.00|228037.00|0.00|0.00&Charges Paid Account|KES|-1540.00|-1540.00|0.00|0.00",
    );
  });

  it("Transaction Status uses the 400.003.01 token envelope; Content-Type missing blames Initiator", async () => {
    const stale = await call(emu, "/mpesa/transactionstatus/v1/query", {}, { token: "stale" });
    expect(stale.body.errorCode).toBe("400.003.01");
    const noType = await fetch(`${emu.url}/mpesa/accountbalance/v1/query`, {
      method: "POST",
      headers: { authorization: `Bearer ${bearer}` },
      body: "{}",
    });
    expect((await noType.json()).errorMessage).toBe("Bad Request - Invalid Initiator");
  });
});

describe("Dynamic QR", () => {
  it("returns a base64 PNG", async () => {
    const res = await call(
      emu,
      "/mpesa/qrcode/v1/generate",
      { MerchantName: "Shop", RefNo: "SHP1", Amount: 1500, TrxCode: "PB", CPI: "600984", Size: "300" },
      { token: bearer },
    );
    expect(res.body).toMatchObject({ ResponseCode: "00", ResponseDescription: "QR Code Successfully Generated." });
    expect(Buffer.from(res.body.QRCode, "base64").subarray(0, 8)).toEqual(
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    );
  });
});
