import { env, type Env } from "../../lib/env.server";
import { createSecretBox, type SecretBox } from "./secret-box.server";
import { findSettings, openSecret, type SettingsDb } from "./repository.server";

// What the payments code needs to talk to Daraja for one shop, decrypted. Server-only: never put
// this object in loader data or logs (the logger redacts these keys, but don't rely on it).

export type DarajaEnvironment = "sandbox" | "production";

export type ShopDarajaConfig = {
  environment: DarajaEnvironment;
  baseUrl: string;
  consumerKey: string;
  consumerSecret: string;
  passkey: string;
  businessShortCode: string;
  /** Paybill: the shortcode. Till: the till number. */
  partyB: string;
  transactionType: "CustomerPayBillOnline" | "CustomerBuyGoodsOnline";
  paymentMethodName: string;
  accountReferenceTemplate: string;
  /** Present only when an initiator is configured (status queries, refunds). */
  initiator: { name: string; password?: string; securityCredential?: string } | null;
};

/** The secret box for this process's keys: ENCRYPTION_KEY seals, ENCRYPTION_KEY_PREVIOUS still opens. */
export function secretBoxFromEnv(config: Env = env()): SecretBox {
  return createSecretBox({ current: config.ENCRYPTION_KEY, previous: [config.ENCRYPTION_KEY_PREVIOUS] });
}

export function darajaBaseUrl(environment: DarajaEnvironment, config: Env = env()): string {
  return environment === "production" ? config.DARAJA_PRODUCTION_BASE_URL : config.DARAJA_SANDBOX_BASE_URL;
}

/** The non-secret settings a use case may need without touching the secrets (recording in Shopify). */
export type ShopPaymentSettings = {
  environment: DarajaEnvironment;
  paymentMethodName: string;
  /** The merchant allows Daraja sandbox payments to mark orders paid on a live (non-development) store. */
  allowSandboxOnLiveStore: boolean;
};

/**
 * Reads no secret: a key problem (rotation, a tampered envelope) can never delay recording money
 * already taken. Null when the shop has not saved settings.
 */
export async function getShopPaymentSettings(db: SettingsDb, shop: string): Promise<ShopPaymentSettings | null> {
  const row = await findSettings(db, shop);
  if (!row) return null;
  return {
    environment: row.environment === "production" ? "production" : "sandbox",
    paymentMethodName: row.paymentMethodName,
    allowSandboxOnLiveStore: row.allowSandboxOnLiveStore,
  };
}

/**
 * The shop's decrypted Daraja configuration, or null when the shop has not saved settings.
 * Throws SecretDecryptionError when a stored secret cannot be opened (wrong or missing key,
 * tampered row): an operator problem, not a "not configured" shop.
 */
export async function getShopDarajaConfig(
  db: SettingsDb,
  shop: string,
  opts: { box?: SecretBox; env?: Env } = {},
): Promise<ShopDarajaConfig | null> {
  const row = await findSettings(db, shop);
  if (!row) return null;
  const config = opts.env ?? env();
  const box = opts.box ?? secretBoxFromEnv(config);
  const environment: DarajaEnvironment = row.environment === "production" ? "production" : "sandbox";
  const till = row.shortcodeType === "till";
  const password = openSecret(box, row, "initiatorPassword");
  const securityCredential = openSecret(box, row, "securityCredential");
  return {
    environment,
    baseUrl: darajaBaseUrl(environment, config),
    consumerKey: row.consumerKey,
    consumerSecret: openSecret(box, row, "consumerSecret")!,
    passkey: openSecret(box, row, "passkey")!,
    businessShortCode: row.businessShortCode,
    partyB: till ? row.tillNumber! : row.businessShortCode,
    transactionType: till ? "CustomerBuyGoodsOnline" : "CustomerPayBillOnline",
    paymentMethodName: row.paymentMethodName,
    accountReferenceTemplate: row.accountReferenceTemplate,
    initiator: row.initiatorName ? { name: row.initiatorName, password, securityCredential } : null,
  };
}
