import { env, type Env } from "../../lib/env.server";
import type { InitiatorCredential } from "../daraja/security-credential";
import { createSecretBox, type SecretBox } from "./secret-box.server";
import type { MpesaAccount, ShopSettings } from "@prisma/client";
import { findReceivingAccount, openAccountSecret, receivingNumber } from "./accounts.server";
import { findShopSetup, openSecret, type SettingsDb } from "./repository.server";

// What the payments code needs to talk to Daraja for one shop, decrypted. Server-only: never put
// this object in loader data or logs (the logger redacts these keys, but don't rely on it).

export type DarajaEnvironment = "sandbox" | "production";

export type ShopDarajaConfig = {
  /** The MpesaAccount these credentials belong to (the shop's default receiving account). */
  accountId: string;
  kind: "paybill" | "till";
  environment: DarajaEnvironment;
  baseUrl: string;
  consumerKey: string;
  consumerSecret: string;
  passkey: string;
  /** The Go-Live shortcode: the paybill, or for a till the store/head-office number. */
  businessShortCode: string;
  /** Paybill: the shortcode. Till: the till number. */
  partyB: string;
  transactionType: "CustomerPayBillOnline" | "CustomerBuyGoodsOnline";
  paymentMethodName: string;
  accountReferenceTemplate: string;
  /** The shopper may verify a payment by its M-PESA code on the order-status page (docs/C2B.md). */
  shopperVerifyByCode: boolean;
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

/**
 * The certificate initiator passwords are encrypted with for this environment: the deployment's
 * DARAJA_<ENV>_CERTIFICATE, else undefined (the Daraja client then uses the bundled one, §4).
 */
export function initiatorCertificate(environment: DarajaEnvironment, config: Env = env()): string | undefined {
  return environment === "production" ? config.DARAJA_PRODUCTION_CERTIFICATE : config.DARAJA_SANDBOX_CERTIFICATE;
}

/**
 * What an initiator call sends as its SecurityCredential: a merchant's ready-made SecurityCredential as
 * is; else the initiator password, encrypted with the environment's certificate. Null: neither is set.
 */
export function initiatorCredential(
  secrets: { password?: string | null; securityCredential?: string | null },
  environment: DarajaEnvironment,
  config?: Env,
): InitiatorCredential | null {
  if (secrets.securityCredential) return { securityCredential: secrets.securityCredential };
  if (!secrets.password) return null;
  const certificatePem = initiatorCertificate(environment, config);
  return certificatePem
    ? { initiatorPassword: secrets.password, certificatePem }
    : { initiatorPassword: secrets.password };
}

/** The non-secret settings a use case may need without touching the secrets (recording in Shopify). */
export type ShopPaymentSettings = {
  /** The default receiving account's environment; null when the shop has no M-PESA account. */
  environment: DarajaEnvironment | null;
  paymentMethodName: string;
  /** The merchant allows Daraja sandbox payments to mark orders paid on a live (non-development) store. */
  allowSandboxOnLiveStore: boolean;
};

/**
 * Reads no secret: a key problem (rotation, a tampered envelope) can never delay recording money
 * already taken. Null when the shop has not saved settings.
 */
export async function getShopPaymentSettings(
  db: Pick<SettingsDb, "shopSettings" | "mpesaAccount">,
  shop: string,
): Promise<ShopPaymentSettings | null> {
  const { settings, account } = await findShopSetup(db, shop);
  if (!settings) return null;
  return {
    environment: account ? environmentOf(account) : null,
    paymentMethodName: settings.paymentMethodName,
    allowSandboxOnLiveStore: settings.allowSandboxOnLiveStore,
  };
}

const environmentOf = (account: Pick<MpesaAccount, "environment">): DarajaEnvironment =>
  account.environment === "production" ? "production" : "sandbox";

/**
 * The shop's decrypted Daraja configuration for its default receiving account (or `accountId`), or null when the shop
 * has not saved settings or has no M-PESA account. Throws SecretDecryptionError when a stored secret
 * cannot be opened (wrong or missing key, tampered row): an operator problem, not a "not configured" shop.
 */
export async function getShopDarajaConfig(
  db: Pick<SettingsDb, "shopSettings" | "mpesaAccount">,
  shop: string,
  opts: { box?: SecretBox; env?: Env; accountId?: string | null } = {},
): Promise<ShopDarajaConfig | null> {
  const { settings, account: defaultAccount } = await findShopSetup(db, shop);
  // A named account (the one an attempt was sent for) wins while it exists; removed, the default answers.
  const named = opts.accountId ? await findReceivingAccount(db, shop, opts.accountId) : null;
  const account = named ?? defaultAccount;
  if (!settings || !account) return null;
  return accountDarajaConfig(settings, account, opts);
}

/** The decrypted configuration of one receiving account of a shop (with the shop-wide settings). */
export function accountDarajaConfig(
  settings: ShopSettings,
  account: MpesaAccount,
  opts: { box?: SecretBox; env?: Env } = {},
): ShopDarajaConfig {
  const config = opts.env ?? env();
  const box = opts.box ?? secretBoxFromEnv(config);
  const environment = environmentOf(account);
  const till = account.kind === "till";
  const password = openSecret(box, settings, "initiatorPassword");
  const securityCredential = openSecret(box, settings, "securityCredential");
  return {
    accountId: account.id,
    kind: till ? "till" : "paybill",
    environment,
    baseUrl: darajaBaseUrl(environment, config),
    consumerKey: account.consumerKey,
    consumerSecret: openAccountSecret(box, account, "consumerSecret"),
    passkey: openAccountSecret(box, account, "passkey"),
    businessShortCode: account.businessShortCode,
    partyB: receivingNumber(account),
    transactionType: till ? "CustomerBuyGoodsOnline" : "CustomerPayBillOnline",
    paymentMethodName: settings.paymentMethodName,
    accountReferenceTemplate: settings.accountReferenceTemplate,
    shopperVerifyByCode: settings.shopperVerifyByCode,
    initiator: settings.initiatorName ? { name: settings.initiatorName, password, securityCredential } : null,
  };
}
