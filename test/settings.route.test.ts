import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import prisma from "../app/db.server";
import { action, loader } from "../app/routes/app.settings";
import { loader as homeLoader } from "../app/routes/app._index";
import { getShopDarajaConfig } from "../app/modules/settings/index.server";
import type { SettingsField } from "../app/modules/settings/validation";
import { getPage, postForm, SANDBOX_PASSKEY, SHOP, storeSession, validForm } from "./settings.helpers";

const args = (request: Request) => ({ request, params: {}, context: {} });
const load = async () => (await loader(args(await getPage("/app/settings")))).json();
const submit = async (fields: Record<string, string>) => {
  const res = await action(args(await postForm("/app/settings", fields)));
  return { status: res.status, body: await res.json() };
};

beforeAll(async () => {
  await storeSession();
});

describe("settings page through the route module", () => {
  it("shows an unconfigured shop with defaults, the checklist and the callback address", async () => {
    await prisma.shopSettings.deleteMany();
    await prisma.mpesaAccount.deleteMany();
    const data = await load();
    expect(data.view.configured).toBe(false);
    expect(data.view.values.paymentMethodName).toBe("M-PESA");
    expect(data.callbackUrl).toBe("https://my-test-app.myshopify.io/daraja/stk/…");
    expect(data.checklist.map((i: { id: string }) => i.id)).toEqual([
      "credentials",
      "payment-method",
      "checkout-block",
      "c2b-urls",
    ]);
    expect(data.checklist[0].status).toBe("todo");
  });

  it("saves valid settings and never sends a secret back to the browser", async () => {
    const credential = "A".repeat(340) + "==";
    const save = await submit(validForm({ initiatorName: "testapi", securityCredential: credential }));
    expect(save).toMatchObject({ status: 200, body: { intent: "save", errors: {} } });

    const data = await load();
    expect(data.view.configured).toBe(true);
    expect(data.view.secrets.consumerSecret).toEqual({ stored: true, unreadable: false });
    expect(data.view.secrets.passkey).toEqual({ stored: true, unreadable: false });
    expect(data.view.secrets.securityCredential).toEqual({ stored: true, unreadable: false });
    expect(data.view.secrets.initiatorPassword.stored).toBe(false);
    const serialized = JSON.stringify(data) + JSON.stringify(save.body);
    for (const secret of ["emulator-consumer-secret", SANDBOX_PASSKEY, credential])
      expect(serialized).not.toContain(secret);

    const home = JSON.stringify(await (await homeLoader(args(await getPage("/app")))).json());
    expect(home).toContain('"configured":true');
    for (const secret of ["emulator-consumer-secret", SANDBOX_PASSKEY, credential]) expect(home).not.toContain(secret);
  });

  it("L6: not even the last four characters of the consumer secret or passkey reach the browser", async () => {
    await submit(validForm());
    const data = JSON.stringify(await load());
    expect(data).not.toContain("••••");
    expect(data).not.toContain("c919"); // the passkey's tail
  });

  it("keeps stored secrets when their fields are left empty, and replaces them when typed", async () => {
    await submit(validForm());
    const kept = await submit(validForm({ consumerSecret: "", passkey: "", paymentMethodName: "Lipa na M-PESA" }));
    expect(kept.status).toBe(200);
    let config = await getShopDarajaConfig(prisma, SHOP);
    expect(config).toMatchObject({
      consumerSecret: "emulator-consumer-secret",
      passkey: SANDBOX_PASSKEY,
      paymentMethodName: "Lipa na M-PESA",
    });

    await submit(validForm({ consumerSecret: "a-brand-new-secret", passkey: "" }));
    config = await getShopDarajaConfig(prisma, SHOP);
    expect(config).toMatchObject({ consumerSecret: "a-brand-new-secret", passkey: SANDBOX_PASSKEY });
  });

  it("stores a till with its till number and maps it for STK Push", async () => {
    await submit(validForm({ shortcodeType: "till", businessShortCode: "300584", tillNumber: "5123456" }));
    expect(await getShopDarajaConfig(prisma, SHOP)).toMatchObject({
      businessShortCode: "300584",
      partyB: "5123456",
      transactionType: "CustomerBuyGoodsOnline",
      baseUrl: "https://sandbox.safaricom.co.ke",
    });
    await submit(validForm());
    expect(await getShopDarajaConfig(prisma, SHOP)).toMatchObject({
      partyB: "174379",
      transactionType: "CustomerPayBillOnline",
    });
  });

  it("makes initiator password and security credential exclusive, and clears both with the initiator", async () => {
    const credential = "B".repeat(344);
    await submit(validForm({ initiatorName: "testapi", initiatorPassword: "Safaricom999!*!" }));
    expect((await getShopDarajaConfig(prisma, SHOP))!.initiator).toEqual({
      name: "testapi",
      password: "Safaricom999!*!",
      securityCredential: undefined,
    });

    await submit(validForm({ initiatorName: "testapi", securityCredential: credential }));
    expect((await getShopDarajaConfig(prisma, SHOP))!.initiator).toEqual({
      name: "testapi",
      password: undefined,
      securityCredential: credential,
    });

    // Name kept, both secret fields empty: the stored credential stays.
    await submit(validForm({ initiatorName: "testapi" }));
    expect((await getShopDarajaConfig(prisma, SHOP))!.initiator?.securityCredential).toBe(credential);

    await submit(validForm({ initiatorName: "" }));
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
    expect((await submit(validForm())).status).toBe(200);
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

  it.each(cases)("%s", async (_name, override, field, message) => {
    const { status, body } = await submit(validForm(override));
    expect(status).toBe(422);
    expect(body.errors[field]).toMatch(message);
  });

  it("requires the consumer secret and passkey when none is stored, and reports every problem at once", async () => {
    await prisma.shopSettings.deleteMany();
    await prisma.mpesaAccount.deleteMany();
    const { status, body } = await submit(validForm({ consumerSecret: "", passkey: "", businessShortCode: "12" }));
    expect(status).toBe(422);
    expect(Object.keys(body.errors).sort()).toEqual(["businessShortCode", "consumerSecret", "passkey"]);
    expect(await prisma.shopSettings.count()).toBe(0);
    expect(await prisma.mpesaAccount.count()).toBe(0);
  });
});
