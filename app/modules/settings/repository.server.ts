import type { PrismaClient, ShopSettings } from "@prisma/client";
import type { SecretBox } from "./secret-box.server";
import type { SecretField, SettingsInput, StoredSecrets } from "./validation";

// ShopSettings persistence. Secrets only ever cross this boundary sealed: each *Enc column holds a
// secret-box envelope bound to its shop and field, so a value copied between rows or columns fails
// to open.

export type SettingsDb = Pick<PrismaClient, "shopSettings">;

export const SECRET_COLUMNS = {
  consumerSecret: "consumerSecretEnc",
  passkey: "passkeyEnc",
  initiatorPassword: "initiatorPasswordEnc",
  securityCredential: "securityCredentialEnc",
} as const satisfies Record<SecretField, keyof ShopSettings>;

/** The AAD context a secret is sealed under. */
export const secretContext = (shop: string, field: SecretField) => `${shop}/${field}`;

export function findSettings(db: SettingsDb, shop: string): Promise<ShopSettings | null> {
  return db.shopSettings.findUnique({ where: { shopDomain: shop } });
}

export function storedSecretsOf(row: ShopSettings | null): StoredSecrets {
  return {
    consumerSecret: !!row?.consumerSecretEnc,
    passkey: !!row?.passkeyEnc,
    initiatorPassword: !!row?.initiatorPasswordEnc,
    securityCredential: !!row?.securityCredentialEnc,
  };
}

/** Decrypts one stored secret; undefined when none is stored. Throws SecretDecryptionError. */
export function openSecret(box: SecretBox, row: ShopSettings, field: SecretField): string | undefined {
  const envelope = row[SECRET_COLUMNS[field]];
  return envelope ? box.open(envelope, secretContext(row.shopDomain, field)) : undefined;
}

/**
 * Creates or updates a shop's settings. Secrets absent from `input.newSecrets` keep their stored
 * value, except where the initiator rules clear them: no initiator name clears both initiator
 * secrets, and a new password replaces a stored credential (and vice versa) — they are exclusive.
 */
export async function saveSettings(db: SettingsDb, box: SecretBox, shop: string, input: SettingsInput) {
  const { newSecrets } = input;
  const sealed: Partial<Record<(typeof SECRET_COLUMNS)[SecretField], string>> = {};
  for (const [field, value] of Object.entries(newSecrets) as [SecretField, string][]) {
    sealed[SECRET_COLUMNS[field]] = box.seal(value, secretContext(shop, field));
  }
  const cleared: { initiatorPasswordEnc?: null; securityCredentialEnc?: null } = {};
  if (!input.initiatorName) {
    cleared.initiatorPasswordEnc = null;
    cleared.securityCredentialEnc = null;
  } else if (newSecrets.initiatorPassword) {
    cleared.securityCredentialEnc = null;
  } else if (newSecrets.securityCredential) {
    cleared.initiatorPasswordEnc = null;
  }
  const plain = {
    environment: input.environment,
    shortcodeType: input.shortcodeType,
    businessShortCode: input.businessShortCode,
    tillNumber: input.tillNumber,
    consumerKey: input.consumerKey,
    paymentMethodName: input.paymentMethodName,
    accountReferenceTemplate: input.accountReferenceTemplate,
    initiatorName: input.initiatorName,
    allowSandboxOnLiveStore: input.allowSandboxOnLiveStore ?? false,
  };
  const { consumerSecretEnc, passkeyEnc } = sealed;
  const update = { ...plain, ...cleared, ...sealed };
  if (consumerSecretEnc && passkeyEnc) {
    return db.shopSettings.upsert({
      where: { shopDomain: shop },
      create: { shopDomain: shop, ...update, consumerSecretEnc, passkeyEnc },
      update,
    });
  }
  // Without both secrets only an existing row can be updated (validation requires them for a first
  // save); Prisma throws "record not found" for callers that skip validation.
  return db.shopSettings.update({ where: { shopDomain: shop }, data: update });
}
