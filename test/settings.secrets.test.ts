import { execFile } from "node:child_process";
import { createCipheriv, createHash, randomBytes } from "node:crypto";
import path from "node:path";
import { promisify } from "node:util";
import { beforeEach, describe, expect, it } from "vitest";
import prisma from "../app/db.server";
import { env } from "../app/lib/env.server";
import {
  createSecretBox,
  getShopDarajaConfig,
  rotateShopSecrets,
  SecretDecryptionError,
} from "../app/modules/settings/index.server";
import { loadSettingsPage, saveShopSetup } from "../app/modules/settings/use-cases.server";
import { createReceivingAccount, openAccountSecret } from "../app/modules/settings/accounts.server";
import { secretBoxFromEnv } from "../app/modules/settings/config.server";
import { SANDBOX_PASSKEY, validForm } from "./settings.fixtures";

// Secrets at rest: sealed in the database, tamper-evident, and rotatable to a new key.

const SECRETS = {
  consumerSecret: "consumer-secret-0a1b2c",
  passkey: SANDBOX_PASSKEY,
  initiatorPassword: "Safaricom999!*!",
};
const form = (overrides: Record<string, string> = {}) =>
  validForm({ ...SECRETS, initiatorName: "testapi", ...overrides });
const newKey = () => randomBytes(32).toString("base64");
const rows = () => prisma.$queryRaw<Record<string, unknown>[]>`SELECT * FROM "ShopSettings"`;
const accountRows = () => prisma.$queryRaw<Record<string, unknown>[]>`SELECT * FROM "MpesaAccount"`;
const accountOf = (shop: string) => prisma.mpesaAccount.findFirstOrThrow({ where: { shopDomain: shop } });

beforeEach(async () => {
  await prisma.shopSettings.deleteMany();
  await prisma.mpesaAccount.deleteMany();
});

describe("secrets at rest", () => {
  it("stores no plaintext secret in the database row", async () => {
    expect(await saveShopSetup({ db: prisma }, "a.myshopify.com", form())).toMatchObject({ ok: true });
    const [row] = await rows();
    const [account] = await accountRows();
    const raw = JSON.stringify([row, account]);
    for (const secret of Object.values(SECRETS)) expect(raw).not.toContain(secret);
    expect(account.passkeyEnc).toMatch(/^v2\.[0-9a-f]{8}\./);
    expect(row.initiatorPasswordEnc).toMatch(/^v2\.[0-9a-f]{8}\./);
    expect(await getShopDarajaConfig(prisma, "a.myshopify.com")).toMatchObject({
      consumerSecret: SECRETS.consumerSecret,
      passkey: SANDBOX_PASSKEY,
      initiator: { name: "testapi", password: SECRETS.initiatorPassword },
    });
  });

  it("fails with SecretDecryptionError on a tampered ciphertext, never with garbage", async () => {
    await saveShopSetup({ db: prisma }, "a.myshopify.com", form());
    const row = await accountOf("a.myshopify.com");
    const last = row.passkeyEnc.at(-2) === "A" ? "B" : "A";
    const tampered = row.passkeyEnc.slice(0, -2) + last + row.passkeyEnc.at(-1);
    await prisma.mpesaAccount.update({ where: { id: row.id }, data: { passkeyEnc: tampered } });

    const error = await getShopDarajaConfig(prisma, "a.myshopify.com").catch((e) => e);
    expect(error).toBeInstanceOf(SecretDecryptionError);
    expect(error.message).toMatch(/authentication_failed/);

    // The page says so, and the merchant must type that secret again instead of keeping it.
    const page = await loadSettingsPage({ db: prisma }, "a.myshopify.com");
    expect(page.view.secrets.passkey).toEqual({ stored: true, unreadable: true });
    const save = await saveShopSetup({ db: prisma }, "a.myshopify.com", form({ passkey: "" }));
    expect(save).toEqual({ ok: false, errors: { passkey: "Enter the passkey." } });
  });

  it("refuses a secret copied from another shop's row", async () => {
    await saveShopSetup({ db: prisma }, "a.myshopify.com", form());
    await saveShopSetup({ db: prisma }, "b.myshopify.com", form({ consumerSecret: "shop-b-secret-value" }));
    const a = await accountOf("a.myshopify.com");
    const b = await accountOf("b.myshopify.com");
    await prisma.mpesaAccount.update({ where: { id: b.id }, data: { consumerSecretEnc: a.consumerSecretEnc } });
    await expect(getShopDarajaConfig(prisma, "b.myshopify.com")).rejects.toThrow(SecretDecryptionError);
  });

  it("refuses a secret copied from another account of the same shop (the AAD names the account)", async () => {
    await saveShopSetup({ db: prisma }, "a.myshopify.com", form());
    const a = await accountOf("a.myshopify.com");
    const box = secretBoxFromEnv();
    const other = await createReceivingAccount(prisma, box, "a.myshopify.com", {
      label: "Second till",
      kind: "till",
      environment: "sandbox",
      businessShortCode: "174379",
      tillNumber: "5566778",
      consumerKey: "second-consumer-key",
      c2bVersion: "v2",
      c2bResponseType: "Completed",
      c2bValidationEnabled: false,
      newSecrets: { consumerSecret: "second-consumer-secret", passkey: SANDBOX_PASSKEY },
    });
    expect(openAccountSecret(box, other, "consumerSecret")).toBe("second-consumer-secret");
    const moved = { ...other, consumerSecretEnc: a.consumerSecretEnc };
    expect(() => openAccountSecret(box, moved, "consumerSecret")).toThrow(SecretDecryptionError);
  });
});

describe("key rotation", () => {
  const oldKey = () => env().ENCRYPTION_KEY; // what saveShopSetup sealed with

  async function seedTwoShops() {
    await saveShopSetup({ db: prisma }, "a.myshopify.com", form());
    await saveShopSetup(
      { db: prisma },
      "b.myshopify.com",
      form({ initiatorPassword: "", securityCredential: "C".repeat(344) }),
    );
  }

  it("re-encrypts every secret so the new key alone reads every row, and is idempotent", async () => {
    await seedTwoShops();
    const key = newKey();
    const rotating = createSecretBox({ current: key, previous: [oldKey()] });
    expect(await rotateShopSecrets(prisma, rotating)).toEqual({
      shops: 2,
      accounts: 2,
      reencrypted: 6,
      alreadyCurrent: 0,
      skippedChangedConcurrently: 0,
      failed: [],
    });

    const newOnly = createSecretBox({ current: key });
    for (const shop of ["a.myshopify.com", "b.myshopify.com"]) {
      const config = await getShopDarajaConfig(prisma, shop, { box: newOnly });
      expect(config).toMatchObject({ consumerSecret: SECRETS.consumerSecret, passkey: SANDBOX_PASSKEY });
    }
    expect(
      (await getShopDarajaConfig(prisma, "b.myshopify.com", { box: newOnly }))!.initiator?.securityCredential,
    ).toBe("C".repeat(344));
    await expect(
      getShopDarajaConfig(prisma, "a.myshopify.com", { box: createSecretBox({ current: oldKey() }) }),
    ).rejects.toThrow(/unknown_key/);

    expect(await rotateShopSecrets(prisma, rotating)).toMatchObject({ reencrypted: 0, alreadyCurrent: 6, failed: [] });
  });

  it("L6: rotation upgrades v1 envelopes (master key used directly) to v2 under the same key", async () => {
    await saveShopSetup({ db: prisma }, "a.myshopify.com", form());
    const box = createSecretBox({ current: oldKey() });
    const v1 = sealV1(oldKey(), SECRETS.consumerSecret, "a.myshopify.com/consumerSecret");
    const account = await accountOf("a.myshopify.com");
    // A v1 envelope as the ShopSettings era sealed it, moved here by the mpesa_accounts migration.
    await prisma.mpesaAccount.update({ where: { id: account.id }, data: { consumerSecretEnc: `shop:${v1}` } });
    expect((await getShopDarajaConfig(prisma, "a.myshopify.com", { box }))!.consumerSecret).toBe(
      SECRETS.consumerSecret,
    );
    expect(await rotateShopSecrets(prisma, box)).toMatchObject({ reencrypted: 1, failed: [] });
    const row = await accountOf("a.myshopify.com");
    expect(row.consumerSecretEnc).toMatch(new RegExp(`^v2\\.${box.currentKeyId}\\.`));
    expect((await getShopDarajaConfig(prisma, "a.myshopify.com", { box }))!.consumerSecret).toBe(
      SECRETS.consumerSecret,
    );
  });

  it("reports secrets it cannot open instead of stopping", async () => {
    await seedTwoShops();
    const unrelated = createSecretBox({ current: newKey() }); // previous key not configured
    const report = await rotateShopSecrets(prisma, unrelated);
    expect(report.reencrypted).toBe(0);
    expect(report.failed).toHaveLength(6);
    expect(report.failed[0].reason).toMatch(/unknown_key/);
  });

  it("npm run secrets:rotate re-encrypts under ENCRYPTION_KEY and reports counts", async () => {
    await seedTwoShops();
    const key = newKey();
    const root = path.resolve(import.meta.dirname, "..");
    // One child process only (tsx start-up is slow on a shared machine); idempotency is covered above.
    const { stdout } = await promisify(execFile)(
      path.join(root, "node_modules", ".bin", "tsx"),
      ["scripts/rotate-secrets.ts"],
      {
        cwd: root,
        env: { ...process.env, ENCRYPTION_KEY: key, ENCRYPTION_KEY_PREVIOUS: oldKey() },
      },
    );
    expect(stdout).toMatch(
      /2 shop\(s\), 2 M-PESA account\(s\), 6 secret\(s\) re-encrypted, 0 already current.*0 failed/,
    );
    const config = await getShopDarajaConfig(prisma, "a.myshopify.com", { box: createSecretBox({ current: key }) });
    expect(config?.passkey).toBe(SANDBOX_PASSKEY);
  });
});

function sealV1(masterB64: string, plaintext: string, context: string): string {
  const master = Buffer.from(masterB64, "base64");
  const keyId = createHash("sha256").update(master).digest("hex").slice(0, 8);
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", master, iv);
  cipher.setAAD(Buffer.from(`v1|${keyId}|${context}`, "utf8"));
  const ct = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return [
    "v1",
    keyId,
    iv.toString("base64url"),
    cipher.getAuthTag().toString("base64url"),
    ct.toString("base64url"),
  ].join(".");
}
