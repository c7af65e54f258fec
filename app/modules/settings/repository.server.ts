import type { MpesaAccount, PrismaClient, ShopSettings } from "@prisma/client";
import {
  ACCOUNT_SECRET_COLUMNS,
  createReceivingAccount,
  findDefaultReceivingAccount,
  openAccountSecret,
  updateReceivingAccount,
  type AccountSecretField,
} from "./accounts.server";
import type { SecretBox } from "./secret-box.server";
import type { SecretField, SettingsInput, StoredSecrets } from "./validation";

// ShopSettings persistence (shop-wide settings: payment method name, account reference, the
// initiator, the sandbox-on-live flag) and the shop's default receiving M-PESA account beside it
// (accounts.server.ts). Secrets only ever cross this boundary sealed: each *Enc column holds a
// secret-box envelope bound to its shop and field (and, for an account's secrets, the account), so a
// value copied between rows or columns fails to open.

export type SettingsDb = Pick<PrismaClient, "shopSettings" | "mpesaAccount" | "$transaction">;

export type ShopSecretField = Exclude<SecretField, AccountSecretField>;
export const SHOP_SECRET_COLUMNS = {
  initiatorPassword: "initiatorPasswordEnc",
  securityCredential: "securityCredentialEnc",
} as const satisfies Record<ShopSecretField, keyof ShopSettings>;

/** The AAD context a shop-wide secret (ShopSettings) is sealed under. */
export const secretContext = (shop: string, field: ShopSecretField) => `${shop}/${field}`;

/** A shop's settings row and its default receiving account: what one settings form shows and saves. */
export type ShopSetup = { settings: ShopSettings | null; account: MpesaAccount | null };

export function findSettings(db: Pick<SettingsDb, "shopSettings">, shop: string): Promise<ShopSettings | null> {
  return db.shopSettings.findUnique({ where: { shopDomain: shop } });
}

export async function findShopSetup(db: Pick<SettingsDb, "shopSettings" | "mpesaAccount">, shop: string) {
  const [settings, account] = await Promise.all([findSettings(db, shop), findDefaultReceivingAccount(db, shop)]);
  return { settings, account } satisfies ShopSetup;
}

export function storedSecretsOf(setup: ShopSetup): StoredSecrets {
  return {
    consumerSecret: !!setup.account?.consumerSecretEnc,
    passkey: !!setup.account?.passkeyEnc,
    initiatorPassword: !!setup.settings?.initiatorPasswordEnc,
    securityCredential: !!setup.settings?.securityCredentialEnc,
  };
}

/** Decrypts one shop-wide secret; undefined when none is stored. Throws SecretDecryptionError. */
export function openSecret(box: SecretBox, row: ShopSettings, field: ShopSecretField): string | undefined {
  const envelope = row[SHOP_SECRET_COLUMNS[field]];
  return envelope ? box.open(envelope, secretContext(row.shopDomain, field)) : undefined;
}

/** Any of the four secrets of a shop's setup (the account's two, the shop's two); undefined when absent. */
export function openSetupSecret(box: SecretBox, setup: ShopSetup, field: SecretField): string | undefined {
  if (field in ACCOUNT_SECRET_COLUMNS) {
    return setup.account ? openAccountSecret(box, setup.account, field as AccountSecretField) : undefined;
  }
  return setup.settings ? openSecret(box, setup.settings, field as ShopSecretField) : undefined;
}

/** Saves the shop-wide settings (ShopSettings). Absent initiator secrets keep the stored ones. */
export async function saveShopWideSettings(
  db: Pick<SettingsDb, "shopSettings">,
  box: SecretBox,
  shop: string,
  input: Pick<
    SettingsInput,
    "paymentMethodName" | "accountReferenceTemplate" | "initiatorName" | "allowSandboxOnLiveStore"
  > & { newSecrets: Partial<Record<SecretField, string>> },
): Promise<ShopSettings> {
  const { newSecrets } = input;
  const sealed: { initiatorPasswordEnc?: string | null; securityCredentialEnc?: string | null } = {};
  for (const field of Object.keys(SHOP_SECRET_COLUMNS) as ShopSecretField[]) {
    const value = newSecrets[field];
    if (value) sealed[SHOP_SECRET_COLUMNS[field]] = box.seal(value, secretContext(shop, field));
  }
  // The initiator rules: no initiator name clears both initiator secrets, and a new password replaces
  // a stored credential (and vice versa) — they are exclusive.
  if (!input.initiatorName) {
    sealed.initiatorPasswordEnc = null;
    sealed.securityCredentialEnc = null;
  } else if (newSecrets.initiatorPassword) {
    sealed.securityCredentialEnc = null;
  } else if (newSecrets.securityCredential) {
    sealed.initiatorPasswordEnc = null;
  }
  const data = {
    paymentMethodName: input.paymentMethodName,
    accountReferenceTemplate: input.accountReferenceTemplate,
    initiatorName: input.initiatorName,
    allowSandboxOnLiveStore: input.allowSandboxOnLiveStore ?? false,
    ...sealed,
  };
  return db.shopSettings.upsert({ where: { shopDomain: shop }, create: { shopDomain: shop, ...data }, update: data });
}

/**
 * Creates or updates a shop's settings together with its default receiving account (one form's worth:
 * what a shop with a single paybill or till saves; the sandbox seed and test harnesses use it).
 * Secrets absent from `input.newSecrets` keep their stored value; a shop without a default account
 * needs both account secrets (validation requires them), else Prisma's "record not found" is thrown.
 */
export async function saveSettings(db: SettingsDb, box: SecretBox, shop: string, input: SettingsInput) {
  const existing = await findDefaultReceivingAccount(db, shop);
  const accountInput = {
    label: existing?.label ?? "",
    kind: input.shortcodeType,
    environment: input.environment,
    businessShortCode: input.businessShortCode,
    tillNumber: input.tillNumber,
    consumerKey: input.consumerKey,
    c2bVersion: (existing?.c2bVersion ?? "v2") as "v1" | "v2",
    c2bResponseType: (existing?.c2bResponseType ?? "Completed") as "Completed" | "Cancelled",
    c2bValidationEnabled: existing?.c2bValidationEnabled ?? false,
    newSecrets: { consumerSecret: input.newSecrets.consumerSecret, passkey: input.newSecrets.passkey },
  };
  const account = existing
    ? await updateReceivingAccount(db, box, shop, existing.id, accountInput)
    : await createReceivingAccount(db, box, shop, accountInput);
  if (!account) throw new Error(`the default M-PESA account of ${shop} disappeared while saving`);
  const settings = await saveShopWideSettings(db, box, shop, input);
  return { settings, account } satisfies ShopSetup;
}
