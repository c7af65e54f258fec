import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient } from "../app/db.server";
import { env } from "../app/lib/env.server";
import { createDarajaClient, type TokenStore } from "../app/modules/daraja";
import {
  accountSecretContext,
  findReceivingAccountByC2bTokenHash,
  openAccountSecret,
  recordC2bRegistration,
} from "../app/modules/settings/accounts.server";
import { getShopDarajaConfig } from "../app/modules/settings/config.server";
import { saveSettings } from "../app/modules/settings/repository.server";
import { rotateShopSecrets } from "../app/modules/settings/rotate.server";
import { createSecretBox, SecretDecryptionError } from "../app/modules/settings/secret-box.server";
import { startEmulator, type Emulator } from "../emulator";
import { SANDBOX_PASSKEY } from "./settings.fixtures";
import { migrationIndex, migrationNames, migrationSql, openMigrationDb } from "./support/migration-db";

// The mpesa_accounts migration on a database as deployed before it: each shop's single Daraja account
// (ShopSettings columns) becomes its default receiving MpesaAccount, and the secrets sealed in the
// ShopSettings era still open — then work against Daraja (the emulator), survive rotation (re-bound to
// the account) and a partial re-save. SQLite and PostgreSQL, with the very SQL files `npm run setup` applies.

const MIGRATION = "mpesa_accounts";
const mine = migrationIndex(MIGRATION);
const key = randomBytes(32).toString("base64");
const box = createSecretBox({ current: key });
const PAYBILL_SHOP = "paybill.myshopify.com";
const TILL_SHOP = "till.myshopify.com";
const TILL_PASSKEY = "a".repeat(64);

const q = (v: string | null) => (v === null ? "NULL" : `'${v.replace(/'/g, "''")}'`);
/** A ShopSettings row exactly as the pre-migration app sealed it: context "<shop>/<field>". */
function legacyRow(
  shop: string,
  o: { type: "paybill" | "till"; shortCode: string; till: string | null; passkey: string },
) {
  const seal = (field: string, value: string) => box.seal(value, `${shop}/${field}`);
  const initiator = o.type === "paybill";
  return `INSERT INTO "ShopSettings" ("shopDomain", "environment", "shortcodeType", "businessShortCode", "tillNumber",
      "consumerKey", "consumerSecretEnc", "passkeyEnc", "paymentMethodName", "accountReferenceTemplate",
      "initiatorName", "initiatorPasswordEnc", "allowSandboxOnLiveStore", "updatedAt")
    VALUES (${q(shop)}, 'sandbox', ${q(o.type)}, ${q(o.shortCode)}, ${q(o.till)}, 'emulator-consumer-key',
      ${q(seal("consumerSecret", "emulator-consumer-secret"))}, ${q(seal("passkey", o.passkey))}, 'Lipa na M-PESA',
      'INV{order_number}', ${q(initiator ? "testapi" : null)},
      ${q(initiator ? seal("initiatorPassword", "Safaricom999!*!") : null)}, ${initiator ? "true" : "false"},
      CURRENT_TIMESTAMP)`;
}

let prisma: ReturnType<typeof createPrismaClient>;
let emulator: Emulator;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  expect(mine).toBeGreaterThan(0);
  const db = await openMigrationDb("acct");
  closers.push(db.close);
  for (const name of migrationNames.slice(0, mine)) await db.run(migrationSql(name));
  await db.run(legacyRow(PAYBILL_SHOP, { type: "paybill", shortCode: "174379", till: null, passkey: SANDBOX_PASSKEY }));
  await db.run(legacyRow(TILL_SHOP, { type: "till", shortCode: "300300", till: "5566778", passkey: TILL_PASSKEY }));
  await db.run(`INSERT INTO "PaymentAttempt" ("id", "shopDomain", "orderGid", "amountKes", "environment", "status",
      "callbackTokenHash", "updatedAt")
    VALUES ('old-attempt', '${TILL_SHOP}', 'gid://shopify/Order/1', 100, 'sandbox', 'PENDING', 'h-old', CURRENT_TIMESTAMP)`);
  for (const name of migrationNames.slice(mine)) await db.run(migrationSql(name));
  prisma = createPrismaClient(db.url);
  closers.unshift(() => prisma.$disconnect());
  emulator = await startEmulator({
    callbackDelayMs: 0,
    shortcodes: [
      { shortCode: "174379", passkey: SANDBOX_PASSKEY },
      { shortCode: "300300", passkey: TILL_PASSKEY },
    ],
  });
  closers.unshift(() => emulator.close());
});

afterAll(async () => {
  for (const c of closers) await c();
});

const configOf = (shop: string, b = box) =>
  getShopDarajaConfig(prisma, shop, { box: b, env: { ...env(), DARAJA_SANDBOX_BASE_URL: emulator.url } });
const noCache: TokenStore = { get: async () => null, set: async () => {}, delete: async () => {} };

describe("migration mpesa_accounts: ShopSettings' single account -> the shop's default receiving MpesaAccount", () => {
  it("moves every shop's account, marks it the default, keeps the shop-wide settings", async () => {
    const accounts = await prisma.mpesaAccount.findMany({ orderBy: { shopDomain: "asc" } });
    expect(accounts).toHaveLength(2);
    expect(
      accounts.map((a) => [a.shopDomain, a.defaultForShop, a.purpose, a.kind, a.businessShortCode, a.tillNumber]),
    ).toEqual([
      [PAYBILL_SHOP, PAYBILL_SHOP, "RECEIVE", "paybill", "174379", null],
      [TILL_SHOP, TILL_SHOP, "RECEIVE", "till", "300300", "5566778"],
    ]);
    expect(new Set(accounts.map((a) => a.id)).size).toBe(2);
    for (const a of accounts) {
      expect(a).toMatchObject({ environment: "sandbox", consumerKey: "emulator-consumer-key", c2bTokenHash: null });
      expect(a.consumerSecretEnc).toMatch(/^shop:v2\./);
      expect(a.passkeyEnc).toMatch(/^shop:v2\./);
    }
    const settings = await prisma.shopSettings.findUniqueOrThrow({ where: { shopDomain: PAYBILL_SHOP } });
    expect(settings).toMatchObject({
      paymentMethodName: "Lipa na M-PESA",
      accountReferenceTemplate: "INV{order_number}",
      initiatorName: "testapi",
      allowSandboxOnLiveStore: true,
    });
  });

  it("attempts from before are linked to the account they were sent for (the shop's one account)", async () => {
    const till = await prisma.mpesaAccount.findFirstOrThrow({ where: { shopDomain: TILL_SHOP } });
    expect(await prisma.paymentAttempt.findUniqueOrThrow({ where: { id: "old-attempt" } })).toMatchObject({
      mpesaAccountId: till.id,
    });
  });

  it("the moved secrets decrypt, and the account pushes (paybill and till) against Daraja", async () => {
    const paybill = (await configOf(PAYBILL_SHOP))!;
    expect(paybill).toMatchObject({
      kind: "paybill",
      consumerSecret: "emulator-consumer-secret",
      passkey: SANDBOX_PASSKEY,
      businessShortCode: "174379",
      partyB: "174379",
      transactionType: "CustomerPayBillOnline",
      initiator: { name: "testapi", password: "Safaricom999!*!" },
    });
    const till = (await configOf(TILL_SHOP))!;
    expect(till).toMatchObject({
      kind: "till",
      passkey: TILL_PASSKEY,
      businessShortCode: "300300",
      partyB: "5566778",
      transactionType: "CustomerBuyGoodsOnline",
      initiator: null,
    });
    for (const config of [paybill, till]) {
      const client = createDarajaClient({ ...config, timeoutMs: 5_000, tokenStore: noCache });
      const ack = await client.stkPush({
        businessShortCode: config.businessShortCode,
        passkey: config.passkey,
        transactionType: config.transactionType,
        partyB: config.partyB,
        amount: 10,
        phone: "254708374149",
        callbackUrl: "https://app.example.com/daraja/stk/token",
        accountReference: "INV1001",
      });
      expect(ack.checkoutRequestId).toMatch(/^ws_CO_/);
    }
    // The password Daraja checked is base64(shortcode + passkey + timestamp): the passkey really is the one sealed.
    expect(emulator.stats().rejectedWrongPassword).toBe(0);
  });

  it("a moved envelope is still bound to its shop: copied to another shop's account it fails to open", async () => {
    const paybill = await prisma.mpesaAccount.findFirstOrThrow({ where: { shopDomain: PAYBILL_SHOP } });
    const till = await prisma.mpesaAccount.findFirstOrThrow({ where: { shopDomain: TILL_SHOP } });
    expect(() => openAccountSecret(box, { ...till, passkeyEnc: paybill.passkeyEnc }, "passkey")).toThrow(
      SecretDecryptionError,
    );
  });

  it("saving one secret re-seals only it under the account binding; the other still opens", async () => {
    const before = await prisma.mpesaAccount.findFirstOrThrow({ where: { shopDomain: TILL_SHOP } });
    await saveSettings(prisma, box, TILL_SHOP, {
      environment: "sandbox",
      shortcodeType: "till",
      businessShortCode: "300300",
      tillNumber: "5566778",
      consumerKey: "emulator-consumer-key",
      paymentMethodName: "M-PESA",
      accountReferenceTemplate: "{order_number}",
      initiatorName: null,
      newSecrets: { passkey: TILL_PASSKEY },
    });
    const after = await prisma.mpesaAccount.findFirstOrThrow({ where: { shopDomain: TILL_SHOP } });
    expect(after.id).toBe(before.id);
    expect(after.consumerSecretEnc).toBe(before.consumerSecretEnc);
    expect(after.passkeyEnc).toMatch(/^v2\./);
    expect(box.open(after.passkeyEnc, accountSecretContext(TILL_SHOP, after.id, "passkey"))).toBe(TILL_PASSKEY);
    expect(await configOf(TILL_SHOP)).toMatchObject({
      consumerSecret: "emulator-consumer-secret",
      passkey: TILL_PASSKEY,
    });
  });

  it("secrets:rotate re-binds every moved envelope to its account, under the new key, idempotently", async () => {
    const next = randomBytes(32).toString("base64");
    const rotating = createSecretBox({ current: next, previous: [key] });
    const report = await rotateShopSecrets(prisma, rotating);
    // paybill: consumer secret, passkey, initiator password; till: consumer secret, re-saved passkey.
    expect(report).toMatchObject({ shops: 2, accounts: 2, reencrypted: 5, alreadyCurrent: 0, failed: [] });
    const accounts = await prisma.mpesaAccount.findMany();
    for (const a of accounts) {
      expect(a.consumerSecretEnc).not.toMatch(/^shop:/);
      expect(a.passkeyEnc).not.toMatch(/^shop:/);
    }
    const newOnly = createSecretBox({ current: next });
    expect(await configOf(PAYBILL_SHOP, newOnly)).toMatchObject({
      consumerSecret: "emulator-consumer-secret",
      passkey: SANDBOX_PASSKEY,
      initiator: { password: "Safaricom999!*!" },
    });
    expect(await rotateShopSecrets(prisma, rotating)).toMatchObject({ reencrypted: 0, alreadyCurrent: 5 });
  });

  it("a migrated account gets its C2B token on registration and is found by the token's hash", async () => {
    const account = await prisma.mpesaAccount.findFirstOrThrow({ where: { shopDomain: PAYBILL_SHOP } });
    expect(await findReceivingAccountByC2bTokenHash(prisma, "0".repeat(64))).toBeNull();
    await recordC2bRegistration(prisma, PAYBILL_SHOP, account.id, {
      ok: true,
      at: new Date(),
      tokenHash: "f".repeat(64),
      version: "v2",
      shortCode: "174379",
      confirmationUrl: "https://app.example.com/daraja/c2b/…/confirmation",
      validationUrl: "https://app.example.com/daraja/c2b/…/validation",
    });
    expect((await findReceivingAccountByC2bTokenHash(prisma, "f".repeat(64)))?.id).toBe(account.id);
  });
});
