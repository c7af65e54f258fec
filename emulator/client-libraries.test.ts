import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SANDBOX_PASSKEY, startEmulator, type Emulator } from "./index";
import { startReceiver, type Receiver } from "./test-support";

// The emulator accepts what Daraja accepts: two npm Daraja libraries, called the way their READMEs
// show and with their own default arguments, get through it as they got through Daraja's sandbox.
// What they send by default (read from their sources): UTC timestamps (toISOString, 3 h behind EAT),
// TransactionDesc "Lipa na mpesa online" / "Lipa na Mpesa Online" (20 characters, over the documented
// 13), daraja.js's AccountReference "CompanyXLTD" and PartyA / PhoneNumber / PartyB as JSON strings.

const require = createRequire(import.meta.url);
const KEY = { consumerKey: "emulator-consumer-key", consumerSecret: "emulator-consumer-secret" };
const PHONE = 254712345678;
let emu: Emulator;
let rx: Receiver;

beforeAll(async () => {
  rx = await startReceiver();
  emu = await startEmulator({ callbackDelayMs: 10 });
});
afterAll(async () => {
  await emu.close();
  await rx.close();
});

const pushes = () => emu.requests({ path: "/mpesa/stkpush/v1/processrequest" });

describe("mpesa-node 0.1.3 (Safaricom's Node library) with its defaults", () => {
  function client() {
    const Mpesa = require("mpesa-node");
    const m = new Mpesa({
      ...KEY,
      lipaNaMpesaShortCode: 174379,
      lipaNaMpesaShortPass: SANDBOX_PASSKEY,
      shortCode: 600984,
    });
    m.baseURL = emu.url; // its documented override
    return m;
  }

  it("STK Push (UTC timestamp, 20-character TransactionDesc) is accepted and calls back; the query answers", async () => {
    const m = client();
    const res = await m.lipaNaMpesaOnline(PHONE, 1, `${rx.url}/mpesa-node/stk`, "INV1001");
    expect(res.data).toMatchObject({ ResponseCode: "0", CheckoutRequestID: expect.any(String) });
    const sent = pushes().at(-1)!.body as Record<string, unknown>;
    expect(sent.TransactionDesc).toBe("Lipa na mpesa online");
    // a UTC clock reading: within a minute of now read as UTC, so three hours behind EAT
    const asUtc = Date.parse(
      String(sent.Timestamp).replace(/^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)$/, "$1-$2-$3T$4:$5:$6Z"),
    );
    expect(Math.abs(asUtc - Date.now())).toBeLessThan(60_000);
    const [hit] = await rx.waitFor("/mpesa-node/stk");
    expect(hit.body.Body.stkCallback).toMatchObject({ CheckoutRequestID: res.data.CheckoutRequestID, ResultCode: 0 });
    const query = await m.lipaNaMpesaQuery(res.data.CheckoutRequestID);
    expect(query.data).toMatchObject({ ResponseCode: "0", ResultCode: "0" });
  });

  it("C2B v1 register and simulate are accepted", async () => {
    const m = client();
    const register = await m.c2bRegister(`${rx.url}/c2b/confirm`, `${rx.url}/c2b/validate`);
    expect(register.status).toBe(200);
    const simulate = await m.c2bSimulate(PHONE, 10, "INV1001");
    expect(simulate.data).toMatchObject({ ResponseCode: "0" });
    const [confirmation] = await rx.waitFor("/c2b/confirm");
    expect(confirmation.body).toMatchObject({ TransAmount: expect.anything(), BillRefNumber: "INV1001" });
  });
});

describe("daraja.js 1.0.2 with its defaults", () => {
  it("STK Push (string phone numbers, default AccountReference and TransactionDesc) is accepted and calls back", async () => {
    const { Mpesa } = require("daraja.js");
    const app = new Mpesa({ ...KEY, initiatorPassword: "Safaricom999!*!" }, "sandbox");
    app._http.baseUrl = emu.url; // internal HttpClient; no public option
    // daraja.js computes the Timestamp twice (once for the Password, once for the field) around its
    // token fetch: with the token cached both readings fall in the same second.
    await app._getAuthToken(); // (it caches the token for 3,599 ms — milliseconds, not seconds)
    const push = app.stkPush();
    const res = await push
      .shortCode("174379")
      .amount(1)
      .phoneNumber(PHONE)
      .callbackURL(`${rx.url}/daraja-js/stk`)
      .lipaNaMpesaPassKey(SANDBOX_PASSKEY)
      .send();
    const sent = pushes().at(-1)!.body as Record<string, unknown>;
    expect(sent).toMatchObject({
      PartyA: String(PHONE),
      PhoneNumber: String(PHONE),
      PartyB: "174379",
      AccountReference: "CompanyXLTD",
      TransactionDesc: "Lipa na Mpesa Online",
    });
    expect(res.data).toMatchObject({ ResponseCode: "0", CheckoutRequestID: expect.any(String) });
    const [hit] = await rx.waitFor("/daraja-js/stk");
    expect(hit.body.Body.stkCallback).toMatchObject({ CheckoutRequestID: res.data.CheckoutRequestID, ResultCode: 0 });
    const query = await push.queryStatus();
    expect(query.data).toMatchObject({ ResponseCode: "0", ResultCode: "0" });
  });
});
