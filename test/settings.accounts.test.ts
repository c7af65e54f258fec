import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import prisma from "../app/db.server";
import { resetEnvForTests } from "../app/lib/env.server";
import { hashCallbackToken } from "../app/modules/daraja-events/common/callback-token.server";
import { findReceivingAccountByC2bTokenHash, getShopDarajaConfig } from "../app/modules/settings/index.server";
import { action, loader } from "../app/routes/app.settings";
import { startEmulator, type Emulator } from "../emulator/index";
import {
  getPage,
  postForm,
  SANDBOX_PASSKEY,
  SHOP,
  storeSession,
  validAccountForm,
  validShopForm,
} from "./settings.helpers";

// Several M-PESA accounts per shop through the real /app/settings route: add, edit, choose the
// default, remove; and C2B Register URLs per account against the Daraja emulator (v1/v2, the
// "no apiproduct match" answer, the words Daraja refuses in URLs, the registration state shown).

const OTHER_SHOP = "other-shop.myshopify.com";
const args = (request: Request) => ({ request, params: {}, context: {} });
const load = async () => (await loader(args(await getPage("/app/settings")))).json();
const submit = async (fields: Record<string, string>, shop = SHOP) => {
  const res = await action(args(await postForm("/app/settings", fields, shop)));
  return { status: res.status, body: (await res.json()) as { accountId: string } & Record<string, any> };
};
const accounts = (shop = SHOP) =>
  prisma.mpesaAccount.findMany({ where: { shopDomain: shop }, orderBy: { createdAt: "asc" } });
const addTill = (overrides: Record<string, string> = {}) =>
  submit(
    validAccountForm({
      label: "Westlands till",
      shortcodeType: "till",
      businessShortCode: "174379",
      tillNumber: "174380",
      ...overrides,
    }),
  );

let emulator: Emulator;
const savedEnv = { ...process.env };

/** Runs with the app's env pointing at the emulator (and optionally another app address). */
function useEnv(vars: Record<string, string | undefined>) {
  for (const [k, v] of Object.entries(vars)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  resetEnvForTests();
}

beforeAll(async () => {
  await storeSession();
  await storeSession(OTHER_SHOP);
  emulator = await startEmulator({ callbackDelayMs: 0 });
  useEnv({ DARAJA_SANDBOX_BASE_URL: emulator.url, CALLBACK_BASE_URL: "https://pay.example-shop.co.ke" });
});
afterAll(async () => {
  process.env = savedEnv;
  resetEnvForTests();
  await emulator?.close();
});
beforeEach(async () => {
  await prisma.shopSettings.deleteMany();
  await prisma.mpesaAccount.deleteMany();
  emulator.reset();
  useEnv({ CALLBACK_BASE_URL: "https://pay.example-shop.co.ke" });
  expect((await submit(validAccountForm())).status).toBe(200); // the shop's paybill: its default
  expect((await submit(validShopForm())).status).toBe(200);
});

describe("several receiving accounts", () => {
  it("adds a till beside the paybill; the paybill stays the default the STK flow uses", async () => {
    const added = await addTill();
    expect(added).toMatchObject({ status: 200, body: { intent: "save-account", errors: {} } });
    const rows = await accounts();
    expect(rows.map((r) => [r.kind, r.businessShortCode, r.tillNumber, r.defaultForShop])).toEqual([
      ["paybill", "174379", null, SHOP],
      ["till", "174379", "174380", null],
    ]);
    expect(added.body.accountId).toBe(rows[1].id);
    expect(await getShopDarajaConfig(prisma, SHOP)).toMatchObject({
      accountId: rows[0].id,
      transactionType: "CustomerPayBillOnline",
      partyB: "174379",
    });
    const page = await load();
    expect(
      page.accounts.map((a: { isDefault: boolean; receivingNumber: string }) => [a.isDefault, a.receivingNumber]),
    ).toEqual([
      [true, "174379"],
      [false, "174380"],
    ]);
  });

  it("choosing the till as default switches STK Push to Buy Goods: store as BusinessShortCode, till as PartyB", async () => {
    const till = (await addTill()).body.accountId;
    expect(await submit({ intent: "default-account", accountId: till })).toMatchObject({ status: 200 });
    expect(await getShopDarajaConfig(prisma, SHOP)).toMatchObject({
      accountId: till,
      kind: "till",
      businessShortCode: "174379",
      partyB: "174380",
      transactionType: "CustomerBuyGoodsOnline",
    });
    // One default per shop, as a database fact.
    expect((await accounts()).filter((a) => a.defaultForShop).map((a) => a.id)).toEqual([till]);
    await expect(
      prisma.mpesaAccount.updateMany({ where: { shopDomain: SHOP }, data: { defaultForShop: SHOP } }),
    ).rejects.toThrow();
  });

  it("a shop's first account is enough to take payments: the shop-wide settings start at their defaults", async () => {
    await prisma.shopSettings.deleteMany();
    await prisma.mpesaAccount.deleteMany();
    expect((await submit(validAccountForm())).status).toBe(200);
    expect(await getShopDarajaConfig(prisma, SHOP)).toMatchObject({
      paymentMethodName: "M-PESA",
      accountReferenceTemplate: "{order_number}",
      partyB: "174379",
    });
    expect((await load()).view.configured).toBe(true);
  });

  it("refuses a second account for the same paybill or till (same environment), naming the field", async () => {
    const again = await submit(validAccountForm({ label: "Again" }));
    expect(again).toMatchObject({
      status: 422,
      body: {
        errors: { businessShortCode: expect.stringMatching(/already has an account for paybill 174379 \(sandbox\)/) },
      },
    });
    await addTill();
    expect((await addTill()).body.errors).toEqual({
      tillNumber: expect.stringMatching(/already has an account for till 174380/),
    });
    expect(await accounts()).toHaveLength(2);
    // Production keys for the same paybill are another account.
    expect((await submit(validAccountForm({ environment: "production" }))).status).toBe(200);
  });

  it("an added account can be made the default at once", async () => {
    const till = (await addTill({ makeDefault: "true" })).body.accountId;
    expect((await getShopDarajaConfig(prisma, SHOP))!.accountId).toBe(till);
    expect((await accounts()).filter((a) => a.defaultForShop)).toHaveLength(1);
  });

  it("edits one account, keeping its stored secrets when the fields are left empty", async () => {
    const till = (await addTill({ consumerKey: "till-consumer-key", consumerSecret: "till-consumer-secret" })).body
      .accountId;
    const before = (await accounts())[1];
    const edited = await addTill({
      accountId: till,
      label: "CBD till",
      consumerKey: "till-consumer-key",
      consumerSecret: "",
      passkey: "",
    });
    expect(edited.status).toBe(200);
    const after = (await accounts())[1];
    expect(after).toMatchObject({ id: till, label: "CBD till", consumerKey: "till-consumer-key" });
    expect([after.consumerSecretEnc, after.passkeyEnc]).toEqual([before.consumerSecretEnc, before.passkeyEnc]);
    await submit({ intent: "default-account", accountId: till });
    expect(await getShopDarajaConfig(prisma, SHOP)).toMatchObject({
      consumerSecret: "till-consumer-secret",
      passkey: SANDBOX_PASSKEY,
    });
  });

  it("refuses to remove the default while another account exists, then removes it once another is the default", async () => {
    const [paybill] = await accounts();
    const till = (await addTill()).body.accountId;
    const refused = await submit({ intent: "remove-account", accountId: paybill.id });
    expect(refused).toMatchObject({
      status: 409,
      body: { errors: { accountId: expect.stringMatching(/Make another account the default first/) } },
    });
    expect(await accounts()).toHaveLength(2);
    await submit({ intent: "default-account", accountId: till });
    expect(await submit({ intent: "remove-account", accountId: paybill.id })).toMatchObject({ status: 200 });
    expect((await accounts()).map((a) => a.id)).toEqual([till]);
  });

  it("removing the last account leaves the shop without M-PESA (the STK flow sees no configuration)", async () => {
    const [paybill] = await accounts();
    expect(await submit({ intent: "remove-account", accountId: paybill.id })).toMatchObject({ status: 200 });
    expect(await getShopDarajaConfig(prisma, SHOP)).toBeNull();
    expect((await load()).view.configured).toBe(false);
  });

  it("never touches another shop's account, whatever id is posted", async () => {
    await submit(validAccountForm(), OTHER_SHOP);
    await submit(validShopForm(), OTHER_SHOP);
    const [theirs] = await accounts(OTHER_SHOP);
    const notFound = { status: 409, body: { errors: { accountId: expect.stringMatching(/no longer exists/) } } };
    expect(await submit({ intent: "remove-account", accountId: theirs.id })).toMatchObject(notFound);
    expect(await submit({ intent: "default-account", accountId: theirs.id })).toMatchObject(notFound);
    expect(await submit({ intent: "register-c2b", accountId: theirs.id })).toMatchObject(notFound);
    expect(await submit(validAccountForm({ accountId: theirs.id, consumerKey: "hijacked-key" }))).toMatchObject(
      notFound,
    );
    expect(await submit({ intent: "test-account", accountId: theirs.id })).toMatchObject({
      body: { errors: { accountId: expect.any(String) } },
    });
    expect(await accounts(OTHER_SHOP)).toEqual([theirs]);
    expect(await accounts()).toHaveLength(1);
  });

  it("tests a saved account by its id alone (the list's button)", async () => {
    const till = (await addTill()).body.accountId;
    const res = await submit({ intent: "test-account", accountId: till });
    expect(res.body.connection).toMatchObject({
      ok: true,
      message: "Connected: Daraja sandbox accepted these keys, and store number 174379 with this passkey.",
    });
  });
});

describe("C2B Register URLs per account", () => {
  const register = async (accountId?: string) =>
    submit({ intent: "register-c2b", accountId: accountId ?? (await accounts())[0].id });
  const lastRegistration = () => emulator.requests({ path: "/mpesa/c2b/" }).at(-1);

  it("registers v2 by default: URLs carry a fresh token, only its hash is stored, the page shows the state", async () => {
    const res = await register();
    expect(res.body.registration).toEqual({
      ok: true,
      message: "Registered: Daraja sandbox will send payments to 174379 to this app (C2B v2).",
    });
    const sent = lastRegistration()!;
    expect(sent.path).toBe("/mpesa/c2b/v2/registerurl");
    const body = sent.body as Record<string, string>;
    expect(body).toMatchObject({ ShortCode: "174379", ResponseType: "Completed" });
    const m = /^https:\/\/pay\.example-shop\.co\.ke\/daraja\/c2b\/([A-Za-z0-9_-]{32})\/confirmation$/.exec(
      body.ConfirmationURL,
    );
    expect(m).not.toBeNull();
    const token = m![1];
    expect(body.ValidationURL).toBe(`https://pay.example-shop.co.ke/daraja/c2b/${token}/validation`);

    const [row] = await accounts();
    expect(row.c2bTokenHash).toBe(hashCallbackToken(token));
    expect(JSON.stringify(row)).not.toContain(token);
    expect((await findReceivingAccountByC2bTokenHash(prisma, hashCallbackToken(token)))?.id).toBe(row.id);

    const page = await load();
    expect(JSON.stringify(page)).not.toContain(token);
    expect(page.accounts[0].c2b).toEqual({
      registered: {
        at: expect.any(String),
        version: "v2",
        shortCode: "174379",
        confirmationUrl: "https://pay.example-shop.co.ke/daraja/c2b/…/confirmation",
        validationUrl: "https://pay.example-shop.co.ke/daraja/c2b/…/validation",
      },
      lastError: null,
    });
    expect(page.checklist.find((i: { id: string }) => i.id === "c2b-urls")?.status).toBe("done");

    // Registering again replaces the token: the old URLs stop naming the account.
    await register();
    // Both registrations used the payments' shared OAuth token (at most the one fetch), never one of their own.
    expect(emulator.stats().oauthRequests).toBeLessThanOrEqual(1);
    expect(await prisma.darajaToken.count()).toBeGreaterThan(0);
    expect(await findReceivingAccountByC2bTokenHash(prisma, hashCallbackToken(token))).toBeNull();
  });

  it("uses v1 and the merchant's ResponseType when the account says so", async () => {
    const [paybill] = await accounts();
    await submit(
      validAccountForm({
        accountId: paybill.id,
        consumerSecret: "",
        passkey: "",
        c2bVersion: "v1",
        c2bResponseType: "Cancelled",
      }),
    );
    expect((await register()).body.registration).toMatchObject({ ok: true });
    expect(lastRegistration()).toMatchObject({
      path: "/mpesa/c2b/v1/registerurl",
      body: { ResponseType: "Cancelled" },
    });
    expect(emulator.c2bRegistration("174379")).toMatchObject({ version: "v1", responseType: "Cancelled" });
  });

  it('says in words that "no apiproduct match" means the other version, and keeps that on the account', async () => {
    emulator.setC2bVersion("174379", "v1");
    const res = await register();
    expect(res.body.registration).toEqual({
      ok: false,
      reason: "wrong_version",
      message: expect.stringMatching(
        /^Daraja answered "no apiproduct match" for C2B v2: your Daraja app is not on the C2B v2 Register URL product for this shortcode\. .*choose v1 and register again/,
      ),
    });
    const [row] = await accounts();
    expect(row).toMatchObject({ c2bTokenHash: null, c2bRegisteredAt: null });
    expect(row.c2bLastError).toMatch(/no apiproduct match/);
    expect((await load()).accounts[0].c2b).toMatchObject({
      registered: null,
      lastError: { message: expect.stringMatching(/choose v1/) },
    });

    // Switching the account to v1 registers, and clears the error.
    await submit(validAccountForm({ accountId: row.id, consumerSecret: "", passkey: "", c2bVersion: "v1" }));
    expect((await register()).body.registration).toMatchObject({ ok: true });
    expect((await load()).accounts[0].c2b).toMatchObject({ registered: { version: "v1" }, lastError: null });
  });

  it.each([
    ["https://mpesa-checkout.example.com", "mpesa"],
    ["https://pay.example.com/M-PESA", "m-pesa"],
    ["https://safaricom-payments.example.com", "safaricom"],
    ["https://shop.example.com/sql", "sql"],
  ])("refuses %s before sending anything (Daraja refuses the word %s)", async (base, word) => {
    useEnv({ CALLBACK_BASE_URL: base });
    const page = await load();
    expect(page.c2b.problem).toContain(`contains "${word}"`);
    const res = await register();
    expect(res.body.registration).toMatchObject({
      ok: false,
      reason: "url_refused",
      message: expect.stringMatching(new RegExp(`^Not sent to Daraja\\. This app's address .* contains "${word}"`)),
    });
    expect(emulator.requests({ path: "/mpesa/c2b/" })).toHaveLength(0);
  });

  it("refuses plain http for a production account before sending", async () => {
    useEnv({ CALLBACK_BASE_URL: "http://pay.example-shop.co.ke" });
    const [paybill] = await accounts();
    await prisma.mpesaAccount.update({ where: { id: paybill.id }, data: { environment: "production" } });
    const res = await register();
    expect(res.body.registration).toMatchObject({
      ok: false,
      reason: "url_refused",
      message: expect.stringMatching(/HTTPS/),
    });
  });

  it("one registration per account at a time: a second while one is under way is refused, nothing sent", async () => {
    const [paybill] = await accounts();
    await prisma.mpesaAccount.update({
      where: { id: paybill.id },
      data: { c2bRegisteringUntil: new Date(Date.now() + 60_000) },
    });
    expect((await register()).body.registration).toMatchObject({ ok: false, reason: "in_progress" });
    expect(emulator.requests({ path: "/mpesa/c2b/" })).toHaveLength(0);
    // A lease that ran out (its holder died) no longer blocks; the outcome releases the claim.
    await prisma.mpesaAccount.update({ where: { id: paybill.id }, data: { c2bRegisteringUntil: new Date(0) } });
    expect((await register()).body.registration).toMatchObject({ ok: true });
    expect((await accounts())[0].c2bRegisteringUntil).toBeNull();
  });

  it("registers a till account for its store number", async () => {
    const till = (await addTill()).body.accountId;
    expect((await register(till)).body.registration).toMatchObject({ ok: true });
    expect(lastRegistration()!.body).toMatchObject({ ShortCode: "174379" });
    const row = (await accounts()).find((a) => a.id === till)!;
    expect(row.c2bRegisteredShortCode).toBe("174379");
  });
});
