import http from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import prisma from "../app/db.server";
import { resetEnvForTests } from "../app/lib/env.server";
import { action, loader } from "../app/routes/app.settings";
import { action as resultAction } from "../app/routes/daraja.result.$op.$token";
import { applyInitiatorEvent } from "../app/modules/daraja-events/initiator-result/apply.server";
import { findRefundAccount } from "../app/modules/refunds/refund-account.server";
import { callbackReachability } from "../app/modules/settings/callback-reachability";
import { createSecretBox, rotateShopSecrets } from "../app/modules/settings/index.server";
import { disbursementCredentials, saveDisbursementAccount } from "../app/modules/settings/disbursement.server";
import { startEmulator, type Emulator } from "../emulator/index";
import { getPage, postForm, SHOP, storeSession, validAccountForm, validShopForm } from "./settings.helpers";

// The refunds (disbursement) account through the real settings route: saved with its initiator
// (secrets sealed, never in the page's data), tested by Account Balance — the emulator's result is
// POSTed to the app's real /daraja/result/balance/<token> route, stored raw, applied like the
// worker does, and the page then shows the balance. The refund flow then pays from this account.

let emulator: Emulator;
let resultServer: http.Server;
let savedEnv: NodeJS.ProcessEnv;

const args = (request: Request) => ({ request, params: {}, context: {} });
const load = async (): Promise<any> => (await loader(args(await getPage("/app/settings")))).json();
const submit = async (fields: Record<string, string>) => {
  const res = await action(args(await postForm("/app/settings", fields)));
  return { status: res.status, body: await res.json(), text: "" };
};
const disbursementForm = (overrides: Record<string, string> = {}) => ({
  intent: "save-disbursement",
  disburseEnvironment: "sandbox",
  disburseShortCode: "600000",
  disburseConsumerKey: "",
  disburseConsumerSecret: "",
  disburseInitiatorName: "testapi",
  disburseInitiatorPassword: "Safaricom999!*!",
  disburseSecurityCredential: "",
  ...overrides,
});

async function eventually<T>(read: () => Promise<T | null | undefined | false>, what: string): Promise<T> {
  const until = Date.now() + 30_000;
  for (;;) {
    const v = await read();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  await storeSession();
  emulator = await startEmulator();
  // The app's result route, served for the emulator to call (it is handed to the real route module).
  resultServer = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const [, , , op, token] = (req.url ?? "").split("/");
    const response = await resultAction({
      request: new Request(`http://127.0.0.1${req.url}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: Buffer.concat(chunks),
      }),
      params: { op, token },
      context: {},
    });
    res.writeHead(response.status, { "content-type": "application/json" });
    res.end(await response.text());
  });
  await new Promise<void>((r) => resultServer.listen(0, "127.0.0.1", r));
  const { port } = resultServer.address() as { port: number };
  savedEnv = { ...process.env };
  Object.assign(process.env, {
    DARAJA_SANDBOX_BASE_URL: emulator.url,
    DARAJA_PRODUCTION_BASE_URL: emulator.url,
    CALLBACK_BASE_URL: `http://127.0.0.1:${port}`,
  });
  resetEnvForTests();
});
afterAll(async () => {
  process.env = savedEnv;
  resetEnvForTests();
  await new Promise((r) => resultServer?.close(r));
  await emulator?.close();
});
beforeEach(async () => {
  await prisma.shopSettings.deleteMany();
  await prisma.mpesaAccount.deleteMany();
  await prisma.callbackLog.deleteMany({ where: { shopDomain: SHOP } });
  emulator.reset();
});

describe("refunds (disbursement) account", () => {
  it("is saved, tested by Account Balance, and the balance arrives on the result route and shows on the page", async () => {
    expect((await submit(validAccountForm())).status).toBe(200);
    const saved = await submit(disbursementForm());
    expect(saved).toMatchObject({ status: 200, body: { intent: "save-disbursement", errors: {} } });
    const row = await prisma.mpesaAccount.findFirstOrThrow({ where: { shopDomain: SHOP, purpose: "DISBURSE" } });
    expect(row.initiatorPasswordEnc).toBeTruthy();
    expect(row.initiatorPasswordEnc).not.toContain("Safaricom999");

    const page = await load();
    expect(page.disbursement).toMatchObject({
      values: { disburseShortCode: "600000", disburseInitiatorName: "testapi", disburseConsumerKey: "" },
      secrets: { initiatorPassword: { stored: true }, securityCredential: { stored: false } },
      balance: { waiting: false, accounts: null },
    });
    expect(JSON.stringify(page)).not.toContain("Safaricom999!*!");
    expect(JSON.stringify(page)).not.toContain("emulator-consumer-secret");

    const tested = await submit({ intent: "test-disbursement" });
    expect(tested.body.disbursementTest).toMatchObject({
      ok: true,
      message: expect.stringMatching(/balance query for shortcode 600000/),
    });
    expect(emulator.requests({ path: "/mpesa/accountbalance/v1/query" })).toHaveLength(1);
    expect(emulator.requests({ path: "/mpesa/accountbalance/v1/query" })[0].body).toMatchObject({
      Initiator: "testapi",
      PartyA: 600000,
      ResultURL: expect.stringMatching(/\/daraja\/result\/balance\/[A-Za-z0-9_-]{32}$/),
    });
    // Stored raw first (a RESULT row for the account), then applied as the worker applies it.
    const stored = await eventually(
      () => prisma.callbackLog.findFirst({ where: { accountId: row.id, kind: "RESULT" } }),
      "the balance result stored",
    );
    expect(stored.path).toBe("/daraja/result/balance/:token");
    await applyInitiatorEvent({ db: prisma, now: () => new Date() }, stored.id);
    expect((await prisma.callbackLog.findUniqueOrThrow({ where: { id: stored.id } })).status).toBe("PROCESSED");
    const after = await load();
    expect(after.disbursement.balance).toMatchObject({ waiting: false, error: null });
    expect(after.disbursement.balance.accounts.map((a: { name: string }) => a.name)).toEqual([
      "Working Account",
      "Utility Account",
      "Charges Paid Account",
    ]);
    // Applying the same row again changes nothing.
    await applyInitiatorEvent({ db: prisma, now: () => new Date() }, stored.id);
    expect((await load()).disbursement.balance).toEqual(after.disbursement.balance);
  });

  it("the shop-wide initiator is tested the same way: Account Balance for the default account's shortcode", async () => {
    expect((await submit(validAccountForm())).status).toBe(200);
    // No initiator yet: the test says what to save first, and points at the name field.
    expect((await submit({ intent: "test-initiator" })).body.initiatorTest).toEqual({
      ok: false,
      field: "initiatorName",
      message: "Save an initiator first (its name, and its password or security credential), then test it.",
    });
    expect((await load()).initiatorBalance).toBeNull();
    expect(
      (await submit(validShopForm({ initiatorName: "testapi", initiatorPassword: "Safaricom999!*!" }))).status,
    ).toBe(200);
    const tested = await submit({ intent: "test-initiator" });
    expect(tested.body.initiatorTest).toMatchObject({
      ok: true,
      message: expect.stringMatching(/balance query for shortcode 174379/),
    });
    expect(emulator.requests({ path: "/mpesa/accountbalance/v1/query" })[0].body).toMatchObject({
      Initiator: "testapi",
      PartyA: 174379,
      ResultURL: expect.stringMatching(/\/daraja\/result\/balance\/[A-Za-z0-9_-]{32}$/),
    });
    const account = await prisma.mpesaAccount.findFirstOrThrow({ where: { shopDomain: SHOP, purpose: "RECEIVE" } });
    expect((await load()).initiatorBalance).toMatchObject({ waiting: true });
    const stored = await eventually(
      () => prisma.callbackLog.findFirst({ where: { accountId: account.id, kind: "RESULT" } }),
      "the balance result stored on the receiving account",
    );
    await applyInitiatorEvent({ db: prisma, now: () => new Date() }, stored.id);
    const page = await load();
    expect(page.initiatorBalance).toMatchObject({ waiting: false, error: null });
    expect(page.initiatorBalance.accounts.map((a: { name: string }) => a.name)).toContain("Utility Account");
    expect(JSON.stringify(page)).not.toContain("Safaricom999!*!");
  });

  it("a wrong initiator password: the balance test is asked, M-PESA answers 2001, and the page names the initiator password", async () => {
    expect((await submit(validAccountForm())).status).toBe(200);
    expect((await submit(disbursementForm({ disburseInitiatorPassword: "Safaricom999!*?" }))).status).toBe(200);
    const row = await prisma.mpesaAccount.findFirstOrThrow({ where: { shopDomain: SHOP, purpose: "DISBURSE" } });
    const tested = await submit({ intent: "test-disbursement" });
    expect(tested.body.disbursementTest).toMatchObject({ ok: true }); // acknowledged: the verdict comes later
    const stored = await eventually(
      () => prisma.callbackLog.findFirst({ where: { accountId: row.id, kind: "RESULT" } }),
      "the balance result stored",
    );
    expect(JSON.parse(stored.body).Result).toMatchObject({ ResultCode: 2001 });
    await applyInitiatorEvent({ db: prisma, now: () => new Date() }, stored.id);
    expect((await load()).disbursement.balance).toMatchObject({
      waiting: false,
      accounts: null,
      error:
        "Daraja refused the balance query: the initiator password or security credential is wrong (Initiator password) (2001 The initiator information is invalid.).",
    });

    // The right password, saved again, is answered with the balances.
    expect((await submit(disbursementForm())).status).toBe(200);
    await submit({ intent: "test-disbursement" });
    const second = await eventually(
      () => prisma.callbackLog.findFirst({ where: { accountId: row.id, kind: "RESULT", id: { not: stored.id } } }),
      "the second balance result stored",
    );
    await applyInitiatorEvent({ db: prisma, now: () => new Date() }, second.id);
    expect((await load()).disbursement.balance).toMatchObject({ error: null, accounts: expect.any(Array) });
  });

  it("refunds are paid from it: its shortcode and initiator, with the default account's app keys", async () => {
    expect((await submit(validAccountForm())).status).toBe(200);
    expect(await findRefundAccount(prisma, SHOP)).toBeNull(); // no initiator anywhere: manual refunds
    expect((await submit(disbursementForm())).status).toBe(200);
    expect(await findRefundAccount(prisma, SHOP)).toMatchObject({
      shortCode: "600000",
      initiatorName: "testapi",
      consumerKey: "emulator-consumer-key",
      consumerSecret: "emulator-consumer-secret",
      // Encrypted with the deployment's certificate for the environment (here the emulator's, vitest.config.ts).
      credential: { initiatorPassword: "Safaricom999!*!", certificatePem: emulator.certificatePem },
    });
    expect((await submit({ intent: "remove-disbursement" })).status).toBe(200);
    expect(await findRefundAccount(prisma, SHOP)).toBeNull();
  });

  it("names the field to fix: missing initiator credential, half a key pair, password and credential together", async () => {
    expect((await submit(validAccountForm())).status).toBe(200);
    const noCredential = await submit(disbursementForm({ disburseInitiatorPassword: "" }));
    expect(noCredential.status).toBe(422);
    expect(noCredential.body.errors).toEqual({
      disburseInitiatorPassword: expect.stringMatching(/initiator password or a security credential/),
    });
    const halfKeys = await submit(disbursementForm({ disburseConsumerKey: "other-app-key" }));
    expect(halfKeys.body.errors).toEqual({ disburseConsumerSecret: "Enter the consumer secret of this app." });
    const both = await submit(disbursementForm({ disburseSecurityCredential: "A".repeat(88) }));
    expect(Object.keys(both.body.errors).sort()).toEqual(["disburseInitiatorPassword", "disburseSecurityCredential"]);
    const badShortcode = await submit(disbursementForm({ disburseShortCode: "12" }));
    expect(badShortcode.body.errors).toEqual({ disburseShortCode: "A shortcode is 5 to 7 digits." });
    expect(await prisma.mpesaAccount.count({ where: { purpose: "DISBURSE" } })).toBe(0);
  });

  it("its own app keys, when Daraja refuses them, are named in the test", async () => {
    expect((await submit(validAccountForm())).status).toBe(200);
    const saved = await submit(
      disbursementForm({ disburseConsumerKey: "refunds-app-key", disburseConsumerSecret: "refunds-app-secret" }),
    );
    expect(saved.status).toBe(200);
    const tested = await submit({ intent: "test-disbursement" });
    expect(tested.body.disbursementTest).toMatchObject({
      ok: false,
      field: "disburseConsumerKey",
      message: expect.stringMatching(/^Consumer key and secret: Daraja sandbox refused/),
    });
    expect(emulator.requests({ path: "/mpesa/accountbalance/v1/query" })).toHaveLength(0);
  });

  it("an answer to an older balance request is stored but changes nothing", async () => {
    expect((await submit(validAccountForm())).status).toBe(200);
    expect((await submit(disbursementForm())).status).toBe(200);
    await submit({ intent: "test-disbursement" });
    const first = await eventually(
      () => prisma.callbackLog.findFirst({ where: { shopDomain: SHOP, kind: "RESULT" } }),
      "first answer",
    );
    await submit({ intent: "test-disbursement" }); // a new token: the first answer is now stale
    await applyInitiatorEvent({ db: prisma, now: () => new Date() }, first.id);
    expect(await prisma.callbackLog.findUniqueOrThrow({ where: { id: first.id } })).toMatchObject({
      status: "IGNORED",
      error: "answer to an older balance request",
    });
  });
});

describe("refunds account secrets and key rotation", () => {
  it("its initiator password and own app secret are re-sealed under the new key; the empty passkey is left alone", async () => {
    const oldKey = Buffer.alloc(32, 7).toString("base64");
    const newKey = Buffer.alloc(32, 9).toString("base64");
    const old = createSecretBox({ current: oldKey });
    await saveDisbursementAccount(prisma, old, SHOP, {
      environment: "sandbox",
      shortCode: "600000",
      consumerKey: "refunds-app-key",
      initiatorName: "testapi",
      newSecrets: { consumerSecret: "refunds-app-secret", initiatorPassword: "Rotate-Me-1!" },
    });
    const report = await rotateShopSecrets(prisma, createSecretBox({ current: newKey, previous: [oldKey] }));
    expect(report).toMatchObject({ reencrypted: 2, failed: [] });
    expect(await disbursementCredentials(prisma, createSecretBox({ current: newKey }), SHOP)).toMatchObject({
      consumerKey: "refunds-app-key",
      consumerSecret: "refunds-app-secret",
      credential: { initiatorPassword: "Rotate-Me-1!" },
    });
  });
});

describe("callback reachability", () => {
  it("flags what Safaricom's production servers cannot call, and passes a public HTTPS address", () => {
    expect(callbackReachability("https://shop-payments.example.com").problems).toEqual([]);
    expect(callbackReachability("http://127.0.0.1:3000").problems).toEqual([
      "it is not HTTPS (production Daraja calls only https:// addresses)",
      "its host 127.0.0.1 is a private or loopback IP address, not reachable from the internet",
    ]);
    expect(callbackReachability("https://localhost").problems[0]).toMatch(/only on your own machine/);
    expect(callbackReachability("https://abc123.ngrok-free.app").problems[0]).toMatch(/tunnel address/);
    expect(callbackReachability("https://192.168.1.20").problems[0]).toMatch(/private/);
    expect(callbackReachability("https://example.com:8443").problems[0]).toMatch(/port 8443/);
    expect(callbackReachability("http://127.0.0.1:3000").consequence).toMatch(/paybill\/till payments/);
  });
});
