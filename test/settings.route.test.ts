import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import prisma from "../app/db.server";
import { action, loader } from "../app/routes/app.settings";
import { loader as homeLoader } from "../app/routes/app._index";
import { getShopDarajaConfig } from "../app/modules/settings/index.server";
import type { SettingsField } from "../app/modules/settings/validation";
import {
  getPage,
  postForm,
  SANDBOX_PASSKEY,
  SHOP,
  storeSession,
  validAccountForm,
  validShopForm,
} from "./settings.helpers";

const args = (request: Request) => ({ request, params: {}, context: {} });
const load = async () => (await loader(args(await getPage("/app/settings")))).json();
const submit = async (fields: Record<string, string>) => {
  const res = await action(args(await postForm("/app/settings", fields)));
  return { status: res.status, body: await res.json() };
};
/** The shop's default account id (the account form edits it by id). */
const defaultId = async () =>
  (await prisma.mpesaAccount.findFirstOrThrow({ where: { shopDomain: SHOP, defaultForShop: SHOP } })).id;
/** Saves the default account: creates it the first time, edits it afterwards (empty secrets keep). */
const saveDefault = async (overrides: Record<string, string> = {}) => {
  const existing = await prisma.mpesaAccount.findFirst({ where: { shopDomain: SHOP, defaultForShop: SHOP } });
  return submit(validAccountForm({ accountId: existing?.id ?? "", ...overrides }));
};
/** A shop with its paybill and shop-wide settings saved, as the page saves them (two forms). */
const configure = async (shop: Record<string, string> = {}, account: Record<string, string> = {}) => {
  expect((await saveDefault(account)).status).toBe(200);
  expect((await submit(validShopForm(shop))).status).toBe(200);
};

beforeAll(async () => {
  await storeSession();
});

describe("settings page through the route module", () => {
  // Each case starts from a shop with nothing saved (tests run shuffled).
  beforeEach(async () => {
    await prisma.shopSettings.deleteMany();
    await prisma.mpesaAccount.deleteMany();
  });

  it("shows an unconfigured shop with defaults, the checklist and the callback address", async () => {
    await prisma.shopSettings.deleteMany();
    await prisma.mpesaAccount.deleteMany();
    const data = await load();
    expect(data.view.configured).toBe(false);
    expect(data.shop.values.paymentMethodName).toBe("M-PESA");
    expect(data.accounts).toEqual([]);
    expect(data.callbackUrl).toBe("https://my-test-app.myshopify.io/daraja/stk/…");
    expect(data.checklist.map((i: { id: string }) => i.id)).toEqual([
      "credentials",
      "payment-method",
      "checkout-block",
      "c2b-urls",
      "callback-address",
    ]);
    expect(data.checklist[0].status).toBe("todo");
  });

  it("saves valid settings and never sends a secret back to the browser", async () => {
    const credential = "A".repeat(340) + "==";
    const account = await submit(validAccountForm());
    expect(account).toMatchObject({ status: 200, body: { intent: "save-account", errors: {} } });
    const save = await submit(validShopForm({ initiatorName: "testapi", securityCredential: credential }));
    expect(save).toMatchObject({ status: 200, body: { intent: "save", errors: {} } });

    const data = await load();
    expect(data.view.configured).toBe(true);
    expect(data.accounts).toHaveLength(1);
    expect(data.accounts[0]).toMatchObject({ isDefault: true, receivingNumber: "174379" });
    expect(data.accounts[0].secrets.consumerSecret).toEqual({ stored: true, unreadable: false });
    expect(data.accounts[0].secrets.passkey).toEqual({ stored: true, unreadable: false });
    expect(data.shop.secrets.securityCredential).toEqual({ stored: true, unreadable: false });
    expect(data.shop.secrets.initiatorPassword.stored).toBe(false);
    const serialized = JSON.stringify(data) + JSON.stringify(save.body) + JSON.stringify(account.body);
    for (const secret of ["emulator-consumer-secret", SANDBOX_PASSKEY, credential])
      expect(serialized).not.toContain(secret);

    const home = JSON.stringify(await (await homeLoader(args(await getPage("/app")))).json());
    expect(home).toContain('"configured":true');
    for (const secret of ["emulator-consumer-secret", SANDBOX_PASSKEY, credential]) expect(home).not.toContain(secret);
  });

  it("L6: not even the last four characters of the consumer secret or passkey reach the browser", async () => {
    await configure();
    const data = JSON.stringify(await load());
    expect(data).not.toContain("••••");
    expect(data).not.toContain("c919"); // the passkey's tail
  });

  it("keeps stored secrets when their fields are left empty, and replaces them when typed", async () => {
    await configure();
    const kept = await saveDefault({ consumerSecret: "", passkey: "" });
    expect(kept.status).toBe(200);
    expect((await submit(validShopForm({ paymentMethodName: "Lipa na M-PESA" }))).status).toBe(200);
    let config = await getShopDarajaConfig(prisma, SHOP);
    expect(config).toMatchObject({
      consumerSecret: "emulator-consumer-secret",
      passkey: SANDBOX_PASSKEY,
      paymentMethodName: "Lipa na M-PESA",
    });

    await saveDefault({ consumerSecret: "a-brand-new-secret", passkey: "" });
    config = await getShopDarajaConfig(prisma, SHOP);
    expect(config).toMatchObject({ consumerSecret: "a-brand-new-secret", passkey: SANDBOX_PASSKEY });
  });

  it("stores a till with its till number and maps it for STK Push", async () => {
    await configure();
    await saveDefault({ shortcodeType: "till", businessShortCode: "300584", tillNumber: "5123456" });
    expect(await getShopDarajaConfig(prisma, SHOP)).toMatchObject({
      kind: "till",
      businessShortCode: "300584",
      partyB: "5123456",
      transactionType: "CustomerBuyGoodsOnline",
      baseUrl: "https://sandbox.safaricom.co.ke",
    });
    await saveDefault();
    expect(await prisma.mpesaAccount.findFirstOrThrow({ where: { shopDomain: SHOP } })).toMatchObject({
      kind: "paybill",
      tillNumber: null,
    });
    expect(await getShopDarajaConfig(prisma, SHOP)).toMatchObject({
      partyB: "174379",
      transactionType: "CustomerPayBillOnline",
    });
  });

  it("makes initiator password and security credential exclusive, and clears both with the initiator", async () => {
    const credential = "B".repeat(344);
    await configure();
    await submit(validShopForm({ initiatorName: "testapi", initiatorPassword: "Safaricom999!*!" }));
    expect((await getShopDarajaConfig(prisma, SHOP))!.initiator).toEqual({
      name: "testapi",
      password: "Safaricom999!*!",
      securityCredential: undefined,
    });

    await submit(validShopForm({ initiatorName: "testapi", securityCredential: credential }));
    expect((await getShopDarajaConfig(prisma, SHOP))!.initiator).toEqual({
      name: "testapi",
      password: undefined,
      securityCredential: credential,
    });

    // Name kept, both secret fields empty: the stored credential stays.
    await submit(validShopForm({ initiatorName: "testapi" }));
    expect((await getShopDarajaConfig(prisma, SHOP))!.initiator?.securityCredential).toBe(credential);

    await submit(validShopForm({ initiatorName: "" }));
    expect((await getShopDarajaConfig(prisma, SHOP))!.initiator).toBeNull();
    const row = await prisma.shopSettings.findUniqueOrThrow({ where: { shopDomain: SHOP } });
    expect([row.initiatorPasswordEnc, row.securityCredentialEnc]).toEqual([null, null]);
  });

  it("refuses an unknown intent", async () => {
    expect((await submit({ intent: "delete-everything" })).status).toBe(400);
  });
});

describe("field-level validation errors", () => {
  // Each case starts from the same stored paybill without an initiator (tests run shuffled).
  beforeEach(async () => {
    await prisma.shopSettings.deleteMany();
    await prisma.mpesaAccount.deleteMany();
    await configure();
  });

  const cases: [string, Record<string, string>, SettingsField, RegExp][] = [
    ["environment", { environment: "staging" }, "environment", /sandbox or production/],
    ["shortcode type", { shortcodeType: "bank" }, "shortcodeType", /paybill or till/],
    ["missing shortcode", { businessShortCode: "" }, "businessShortCode", /Enter the shortcode/],
    ["non-digit shortcode", { businessShortCode: "17437A" }, "businessShortCode", /5 to 7 digits/],
    ["too short shortcode", { businessShortCode: "1234" }, "businessShortCode", /5 to 7 digits/],
    ["too long shortcode", { businessShortCode: "12345678" }, "businessShortCode", /5 to 7 digits/],
    ["till without till number", { shortcodeType: "till", tillNumber: "" }, "tillNumber", /needs its till number/],
    ["till number letters", { shortcodeType: "till", tillNumber: "12ab56" }, "tillNumber", /5 to 8 digits/],
    [
      "till number equal to the store number",
      { shortcodeType: "till", tillNumber: "174379" },
      "tillNumber",
      /the same\. The store \(head-office\) number is the shortcode you went live with/,
    ],
    ["C2B version", { c2bVersion: "v3" }, "c2bVersion", /v1 or v2/],
    ["ResponseType spelling", { c2bResponseType: "completed" }, "c2bResponseType", /Completed or Cancelled/],
    ["missing consumer key", { consumerKey: "" }, "consumerKey", /Enter the consumer key/],
    ["consumer key with a space", { consumerKey: "abc def ghi" }, "consumerKey", /cannot contain spaces/],
    ["short consumer secret", { consumerSecret: "abc" }, "consumerSecret", /too short/],
    ["passkey shape", { passkey: "not-a-passkey" }, "passkey", /64 hexadecimal/],
    ["passkey one short", { passkey: SANDBOX_PASSKEY.slice(1) }, "passkey", /64 hexadecimal/],
    ["missing payment method name", { paymentMethodName: "  " }, "paymentMethodName", /Enter the payment method name/],
    ["template too long", { accountReferenceTemplate: "MYSHOP{order_number}" }, "accountReferenceTemplate", /Too long/],
    [
      "template placeholder",
      { accountReferenceTemplate: "{order}" },
      "accountReferenceTemplate",
      /Unknown placeholder/,
    ],
    [
      "template punctuation",
      { accountReferenceTemplate: "A-{order_number}" },
      "accountReferenceTemplate",
      /letters and digits/,
    ],
    ["initiator name with space", { initiatorName: "test api", initiatorPassword: "x" }, "initiatorName", /no spaces/],
    ["password without initiator", { initiatorPassword: "Safaricom999!*!" }, "initiatorName", /initiator name/],
    [
      "initiator without secret",
      { initiatorName: "testapi" },
      "initiatorPassword",
      /password or a security credential/,
    ],
    [
      "password and credential",
      { initiatorName: "testapi", initiatorPassword: "p", securityCredential: "C".repeat(344) },
      "securityCredential",
      /not both/,
    ],
    [
      "credential not base64",
      { initiatorName: "testapi", securityCredential: "not base64!" },
      "securityCredential",
      /base64/,
    ],
  ];

  const SHOP_FIELDS = new Set<SettingsField>([
    "paymentMethodName",
    "accountReferenceTemplate",
    "initiatorName",
    "initiatorPassword",
    "securityCredential",
  ]);

  it.each(cases)("%s", async (_name, override, field, message) => {
    const before = await prisma.mpesaAccount.findFirstOrThrow({ where: { shopDomain: SHOP } });
    const form = SHOP_FIELDS.has(field)
      ? validShopForm(override)
      : validAccountForm({ accountId: await defaultId(), ...override });
    const { status, body } = await submit(form);
    expect(status).toBe(422);
    expect(body.errors[field]).toMatch(message);
    // Nothing changed.
    expect(await prisma.mpesaAccount.findFirstOrThrow({ where: { shopDomain: SHOP } })).toEqual(before);
  });

  it("requires the consumer secret and passkey when none is stored, and reports every problem at once", async () => {
    await prisma.shopSettings.deleteMany();
    await prisma.mpesaAccount.deleteMany();
    const { status, body } = await submit(
      validAccountForm({ consumerSecret: "", passkey: "", businessShortCode: "12" }),
    );
    expect(status).toBe(422);
    expect(Object.keys(body.errors).sort()).toEqual(["businessShortCode", "consumerSecret", "passkey"]);
    expect(await prisma.shopSettings.count()).toBe(0);
    expect(await prisma.mpesaAccount.count()).toBe(0);
  });
});
