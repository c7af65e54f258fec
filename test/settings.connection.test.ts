import { createServer } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import prisma from "../app/db.server";
import { env, resetEnvForTests, type Env } from "../app/lib/env.server";
import { action } from "../app/routes/app.settings";
import { saveShopSettings, testShopConnection } from "../app/modules/settings/use-cases.server";
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
      result: { ok: true, environment: "sandbox", message: "Connected: Daraja sandbox accepted these keys." },
    });
    expect(sandbox.stats().oauthRequests).toBe(1);
  });

  it("reports a wrong key or secret", async () => {
    const result = await connect({ consumerSecret: "not-the-right-secret" });
    expect(result).toMatchObject({ ok: true, result: { ok: false, reason: "wrong_credentials" } });
    expect(await connect({ consumerKey: "unknown-consumer-key" })).toMatchObject({
      result: { reason: "wrong_credentials", message: expect.stringMatching(/sandbox refused/) },
    });
  });

  it("recognises keys from the other environment", async () => {
    const result = await connect({ environment: "sandbox", ...PROD });
    expect(result).toMatchObject({
      result: { ok: false, reason: "other_environment", message: expect.stringMatching(/^These are production keys/) },
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
    expect(await saveShopSettings({ db: prisma, env: config }, SHOP, validForm())).toMatchObject({ ok: true });
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
