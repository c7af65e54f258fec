import { createServer } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import prisma from "../app/db.server";
import { env, resetEnvForTests, type Env } from "../app/lib/env.server";
import { action } from "../app/routes/app.settings";
import { saveShopSetup, testShopConnection } from "../app/modules/settings/use-cases.server";
import { startEmulator, type Emulator } from "../emulator/index";
import { validForm } from "./settings.fixtures";
import { postForm, SHOP, storeSession } from "./settings.helpers";

// "Test connection" against two real Daraja emulators playing sandbox and production.

const PROD = { consumerKey: "production-consumer-key", consumerSecret: "production-consumer-secret" };
let sandbox: Emulator;
let production: Emulator;
let config: Env;

const connect = (fields: Record<string, string>, overrides: Partial<Env> = {}) =>
  testShopConnection({ db: prisma, env: { ...config, ...overrides } }, SHOP, validForm({ intent: "test", ...fields }));

/** An address where nothing listens: bind a port, then release it. */
async function closedPortUrl() {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return `http://127.0.0.1:${port}`;
}

beforeAll(async () => {
  [sandbox, production] = await Promise.all([startEmulator(), startEmulator({ credentials: [PROD] })]);
  config = { ...env(), DARAJA_SANDBOX_BASE_URL: sandbox.url, DARAJA_PRODUCTION_BASE_URL: production.url };
});
afterAll(async () => {
  await Promise.all([sandbox?.close(), production?.close()]);
});
beforeEach(async () => {
  await prisma.shopSettings.deleteMany();
  await prisma.mpesaAccount.deleteMany();
  sandbox.reset();
  production.reset();
});

describe("test connection", () => {
  it("succeeds with keys the chosen environment accepts", async () => {
    expect(await connect({})).toEqual({
      ok: true,
      result: {
        ok: true,
        environment: "sandbox",
        message: "Connected: Daraja sandbox accepted these keys, and paybill 174379 with this passkey.",
        notes: [
          "Payments go to paybill 174379 (CustomerPayBillOnline).",
          expect.stringMatching(
            /^C2B URLs are not registered: .*"No apiproduct match" when the C2B API version \(v2\)/,
          ),
          "Callback address https://my-test-app.myshopify.io is a public HTTPS address.",
        ],
      },
    });
    // One token, then the shortcode check with it: an STK Push Query that can match no checkout.
    expect(sandbox.stats().oauthRequests).toBe(1);
    expect(sandbox.requests({ path: "/mpesa/stkpushquery/v1/query" })).toHaveLength(1);
    expect(sandbox.requests({ path: "/mpesa/stkpush/v1/processrequest" })).toHaveLength(0);
  });

  it("catches the till/store mix-up: the till number as the store number is a shortcode Daraja does not know", async () => {
    const result = await connect({ shortcodeType: "till", businessShortCode: "174380", tillNumber: "174379" });
    expect(result).toMatchObject({
      ok: true,
      result: {
        ok: false,
        reason: "shortcode_passkey_mismatch",
        message: expect.stringMatching(
          /The keys work, but Daraja sandbox does not know this shortcode: store number 174380 \(Merchant does not exist\)\. For a till, the store number is the head-office or store shortcode you went live with/,
        ),
        // The field to fix is marked on the form: the number, not the passkey.
        fields: {
          businessShortCode:
            "Daraja sandbox does not know this number. Use the store (head-office) number the passkey was sent for, not the till.",
        },
      },
    });
    expect(result.ok && !result.result.ok && Object.keys(result.result.fields ?? {})).toEqual(["businessShortCode"]);
  });

  it("a passkey that is not the shortcode's: refused, named as the pair", async () => {
    const result = await connect({ passkey: "a".repeat(64) });
    expect(result).toMatchObject({
      result: {
        ok: false,
        reason: "shortcode_passkey_mismatch",
        message: expect.stringMatching(
          /refused this passkey for it: paybill 174379 \(\[MerchantValidate\] - Wrong credentials\)/,
        ),
        fields: { passkey: "Daraja sandbox refused this passkey for paybill 174379: check both." },
      },
    });
  });

  it("a till with its store: connected, and says how the push is made and how a wrong till would show", async () => {
    const result = await connect({ shortcodeType: "till", businessShortCode: "174379", tillNumber: "174380" });
    expect(result).toMatchObject({
      result: {
        ok: true,
        message: "Connected: Daraja sandbox accepted these keys, and store number 174379 with this passkey.",
        notes: [
          expect.stringMatching(
            /till 174380 as Buy Goods \(CustomerBuyGoodsOnline\).*SFC_IC0003 The operator does not exist/,
          ),
          expect.stringMatching(/^C2B URLs are not registered/),
          expect.stringMatching(/^Callback address .* is a public HTTPS address\.$/),
        ],
      },
    });
  });

  it("the same number as store and till is refused before calling Daraja", async () => {
    const result = await connect({ shortcodeType: "till", businessShortCode: "174379", tillNumber: "174379" });
    expect(result).toEqual({
      ok: false,
      errors: { tillNumber: expect.stringMatching(/^The till number and the store number are the same\./) },
    });
    expect(sandbox.stats().oauthRequests).toBe(0);
  });

  it("reports a wrong key or secret", async () => {
    const result = await connect({ consumerSecret: "not-the-right-secret" });
    expect(result).toMatchObject({
      ok: true,
      result: {
        ok: false,
        reason: "wrong_credentials",
        fields: {
          consumerKey: "Daraja sandbox refused this key with the secret below.",
          consumerSecret: expect.any(String),
        },
      },
    });
    expect(await connect({ consumerKey: "unknown-consumer-key" })).toMatchObject({
      result: { reason: "wrong_credentials", message: expect.stringMatching(/sandbox refused/) },
    });
  });

  it("recognises keys from the other environment", async () => {
    const result = await connect({ environment: "sandbox", ...PROD });
    expect(result).toMatchObject({
      result: {
        ok: false,
        reason: "other_environment",
        message: expect.stringMatching(/^These are production keys/),
        fields: { environment: "These keys are for production: choose production, or paste your sandbox keys." },
      },
    });
    const back = await connect({ environment: "production" });
    expect(back).toMatchObject({
      result: { ok: false, reason: "other_environment", message: expect.stringMatching(/^These are sandbox keys/) },
    });
    expect(await connect({ environment: "production", ...PROD })).toMatchObject({
      result: { ok: true, environment: "production" },
    });
  });

  it("reports Daraja unreachable", async () => {
    const result = await connect({}, { DARAJA_SANDBOX_BASE_URL: await closedPortUrl() });
    expect(result).toMatchObject({
      result: { ok: false, reason: "unreachable", message: expect.stringMatching(/Could not reach Daraja sandbox/) },
    });
  });

  it("reports a timeout", async () => {
    sandbox.setEndpoint("/oauth/v1/generate", { latencyMs: 1_000 });
    const result = await connect({}, { DARAJA_TIMEOUT_MS: 150 });
    expect(result).toMatchObject({ result: { ok: false, reason: "timeout" } });
  });

  it("reports any other Daraja error without its raw body", async () => {
    sandbox.setEndpoint("/oauth/v1/generate", { failTimes: 5, failStatus: 503 });
    const result = await connect({});
    expect(result).toMatchObject({
      result: {
        ok: false,
        reason: "unexpected",
        message:
          "Daraja sandbox answered with an error (HTTP 503). It may be temporarily unavailable: try again later.",
      },
    });
  });

  it("uses the stored secret when the secret field is left empty, and never a cached token", async () => {
    expect(await saveShopSetup({ db: prisma, env: config }, SHOP, validForm())).toMatchObject({ ok: true });
    expect(await connect({ consumerSecret: "" })).toMatchObject({ result: { ok: true } });
    expect(await connect({ consumerSecret: "a-wrong-secret-typed-now" })).toMatchObject({
      result: { reason: "wrong_credentials" },
    });
  });

  it("asks for the missing key pair before calling Daraja", async () => {
    expect(await connect({ consumerKey: "", consumerSecret: "" })).toEqual({
      ok: false,
      errors: { consumerKey: "Enter the consumer key.", consumerSecret: "Enter the consumer secret." },
    });
    expect(sandbox.stats().oauthRequests).toBe(0);
  });

  it("works through the settings route with unsaved form values", async () => {
    await storeSession();
    const saved = { ...process.env };
    Object.assign(process.env, { DARAJA_SANDBOX_BASE_URL: sandbox.url, DARAJA_PRODUCTION_BASE_URL: production.url });
    resetEnvForTests();
    try {
      const res = await action({
        request: await postForm("/app/settings", validForm({ intent: "test" })),
        params: {},
        context: {},
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ intent: "test", connection: { ok: true, environment: "sandbox" } });
      expect(await prisma.shopSettings.count()).toBe(0); // testing does not save
      expect(await prisma.mpesaAccount.count()).toBe(0);
    } finally {
      process.env = saved;
      resetEnvForTests();
    }
  });
});
