import { randomUUID } from "node:crypto";
import type { MpesaAccount, PrismaClient } from "@prisma/client";
import type { SecretBox } from "./secret-box.server";

// A shop's M-PESA accounts (MpesaAccount rows): receiving paybills and tills, each with its own Daraja
// app credentials, exactly one of them the shop's default (the one STK Push uses). Secrets only ever
// cross this boundary sealed.
//
// Secret binding (the AAD context of each envelope):
//   "<shop>/mpesa-account/<account id>/<field>"  every envelope this module seals: copied to another
//                                                account, shop or column, it fails to open;
//   "shop:" + envelope                           moved here by the mpesa_accounts migration from
//                                                ShopSettings, still bound to "<shop>/<field>" as it was
//                                                sealed there. Opens; re-sealed under the account
//                                                binding by the next save of that secret or by
//                                                `npm run secrets:rotate` (rotateShopSecrets).

export type AccountsDb = Pick<PrismaClient, "mpesaAccount">;

export const RECEIVE = "RECEIVE";
export type AccountPurpose = "RECEIVE" | "DISBURSE";
export type AccountKind = "paybill" | "till";
export type C2bVersion = "v1" | "v2";
export type C2bResponseType = "Completed" | "Cancelled";

export const ACCOUNT_SECRET_FIELDS = ["consumerSecret", "passkey"] as const;
export type AccountSecretField = (typeof ACCOUNT_SECRET_FIELDS)[number];
export const ACCOUNT_SECRET_COLUMNS = {
  consumerSecret: "consumerSecretEnc",
  passkey: "passkeyEnc",
} as const satisfies Record<AccountSecretField, keyof MpesaAccount>;

/** Prefix of an envelope still bound to its pre-MpesaAccount ShopSettings context. */
export const LEGACY_SHOP_BINDING = "shop:";

export const accountSecretContext = (shop: string, accountId: string, field: AccountSecretField) =>
  `${shop}/mpesa-account/${accountId}/${field}`;
/** The ShopSettings-era context ("<shop>/<field>"), for envelopes the migration moved. */
const legacyContext = (shop: string, field: AccountSecretField) => `${shop}/${field}`;

export function sealAccountSecret(
  box: SecretBox,
  account: { shopDomain: string; id: string },
  field: AccountSecretField,
  value: string,
): string {
  return box.seal(value, accountSecretContext(account.shopDomain, account.id, field));
}

/** Decrypts one of the account's secrets. Throws SecretDecryptionError (wrong key, tampered, moved). */
export function openAccountSecret(
  box: SecretBox,
  account: Pick<MpesaAccount, "shopDomain" | "id" | "consumerSecretEnc" | "passkeyEnc">,
  field: AccountSecretField,
): string {
  const envelope = account[ACCOUNT_SECRET_COLUMNS[field]];
  if (envelope.startsWith(LEGACY_SHOP_BINDING)) {
    return box.open(envelope.slice(LEGACY_SHOP_BINDING.length), legacyContext(account.shopDomain, field));
  }
  return box.open(envelope, accountSecretContext(account.shopDomain, account.id, field));
}

/** Sealed as this module seals today (current key and version, account binding): rotation leaves it. */
export function accountSecretIsCurrent(box: SecretBox, envelope: string): boolean {
  return !envelope.startsWith(LEGACY_SHOP_BINDING) && box.isCurrent(envelope);
}

/** The number customers pay and STK Push's PartyB: the paybill, or the till number of a till. */
export function receivingNumber(account: Pick<MpesaAccount, "kind" | "businessShortCode" | "tillNumber">): string {
  return account.kind === "till" && account.tillNumber ? account.tillNumber : account.businessShortCode;
}

/** The shortcode C2B URLs are registered for: the Go-Live shortcode (paybill, or a till's store number). */
export function c2bShortCode(account: Pick<MpesaAccount, "businessShortCode">): string {
  return account.businessShortCode;
}

const receiving = (shop: string) => ({ shopDomain: shop, purpose: RECEIVE });

/** The shop's default receiving account (STK Push uses it); null when the shop has none. */
export function findDefaultReceivingAccount(db: AccountsDb, shop: string): Promise<MpesaAccount | null> {
  return db.mpesaAccount.findFirst({ where: { ...receiving(shop), defaultForShop: shop } });
}

/** The shop's receiving accounts, the default first, then oldest first. */
export async function listReceivingAccounts(db: AccountsDb, shop: string): Promise<MpesaAccount[]> {
  const rows = await db.mpesaAccount.findMany({
    where: receiving(shop),
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
  });
  return [...rows.filter((r) => r.defaultForShop), ...rows.filter((r) => !r.defaultForShop)];
}

/** One of the shop's receiving accounts by id; null when it is not this shop's (or not receiving). */
export function findReceivingAccount(db: AccountsDb, shop: string, id: string): Promise<MpesaAccount | null> {
  return db.mpesaAccount.findFirst({ where: { ...receiving(shop), id } });
}

/**
 * The receiving account whose C2B URLs carry the token with this SHA-256 (hashCallbackToken of the
 * path's token), whatever the shop: the token names the account. Null for an unknown token (or one
 * replaced by a later registration). Exact-match lookup on a unique column.
 */
export function findReceivingAccountByC2bTokenHash(db: AccountsDb, tokenHash: string): Promise<MpesaAccount | null> {
  return db.mpesaAccount.findFirst({ where: { c2bTokenHash: tokenHash, purpose: RECEIVE } });
}

/** The plain (non-secret) fields of a receiving account, as validated from the settings form. */
export type AccountFields = {
  label: string;
  kind: AccountKind;
  environment: "sandbox" | "production";
  businessShortCode: string;
  /** Till only; null for a paybill. */
  tillNumber: string | null;
  consumerKey: string;
  c2bVersion: C2bVersion;
  c2bResponseType: C2bResponseType;
  c2bValidationEnabled: boolean;
};

export type AccountInput = AccountFields & {
  /** Only the secrets the merchant typed; absent ones keep the stored value. */
  newSecrets: Partial<Record<AccountSecretField, string>>;
};

type WriteDb = Pick<PrismaClient, "mpesaAccount" | "$transaction">;

function sealAll(box: SecretBox, account: { shopDomain: string; id: string }, input: AccountInput) {
  const sealed: Partial<Record<(typeof ACCOUNT_SECRET_COLUMNS)[AccountSecretField], string>> = {};
  for (const [field, value] of Object.entries(input.newSecrets) as [AccountSecretField, string][]) {
    if (value) sealed[ACCOUNT_SECRET_COLUMNS[field]] = sealAccountSecret(box, account, field, value);
  }
  return sealed;
}

const plainOf = ({ newSecrets: _n, ...fields }: AccountInput) => ({
  ...fields,
  tillNumber: fields.kind === "till" ? fields.tillNumber : null,
});

/**
 * Adds a receiving account (both secrets required). It becomes the default when asked to, or when the
 * shop has no default yet (a shop's first account is its default).
 */
export async function createReceivingAccount(
  db: WriteDb,
  box: SecretBox,
  shop: string,
  input: AccountInput,
  opts: { makeDefault?: boolean } = {},
): Promise<MpesaAccount> {
  const id = `acct_${randomUUID().replace(/-/g, "")}`;
  const { consumerSecretEnc, passkeyEnc } = sealAll(box, { shopDomain: shop, id }, input);
  if (!consumerSecretEnc || !passkeyEnc) throw new Error("a new account needs its consumer secret and passkey");
  const hasDefault = !!(await findDefaultReceivingAccount(db, shop));
  const makeDefault = opts.makeDefault || !hasDefault;
  const create = db.mpesaAccount.create({
    data: {
      id,
      shopDomain: shop,
      purpose: RECEIVE,
      ...plainOf(input),
      consumerSecretEnc,
      passkeyEnc,
      defaultForShop: makeDefault ? shop : null,
    },
  });
  if (!makeDefault || !hasDefault) return create;
  const [, row] = await db.$transaction([clearDefault(db, shop), create]);
  return row;
}

/** Edits one of the shop's receiving accounts; secrets absent from the input keep their stored value. */
export async function updateReceivingAccount(
  db: WriteDb,
  box: SecretBox,
  shop: string,
  id: string,
  input: AccountInput,
): Promise<MpesaAccount | null> {
  const data = { ...plainOf(input), ...sealAll(box, { shopDomain: shop, id }, input) };
  const { count } = await db.mpesaAccount.updateMany({ where: { ...receiving(shop), id }, data });
  return count === 1 ? findReceivingAccount(db, shop, id) : null;
}

const clearDefault = (db: AccountsDb, shop: string) =>
  db.mpesaAccount.updateMany({ where: { defaultForShop: shop }, data: { defaultForShop: null } });

/** Makes one of the shop's receiving accounts its default. False when no such account. */
export async function setDefaultReceivingAccount(db: WriteDb, shop: string, id: string): Promise<boolean> {
  if (!(await findReceivingAccount(db, shop, id))) return false;
  const [, set] = await db.$transaction([
    clearDefault(db, shop),
    db.mpesaAccount.updateMany({ where: { ...receiving(shop), id }, data: { defaultForShop: shop } }),
  ]);
  return set.count === 1;
}

export type RemoveOutcome = "removed" | "not_found" | "is_default";

/**
 * Removes a receiving account. The default can only go when it is the shop's last account (the shop
 * then has no M-PESA account, and STK Push stops): otherwise choose another default first.
 */
export async function removeReceivingAccount(db: WriteDb, shop: string, id: string): Promise<RemoveOutcome> {
  const account = await findReceivingAccount(db, shop, id);
  if (!account) return "not_found";
  if (account.defaultForShop) {
    const others = await db.mpesaAccount.count({ where: { ...receiving(shop), id: { not: id } } });
    if (others > 0) return "is_default";
  }
  const { count } = await db.mpesaAccount.deleteMany({ where: { ...receiving(shop), id } });
  return count === 1 ? "removed" : "not_found";
}

export type C2bRegistrationRecord =
  | {
      ok: true;
      at: Date;
      tokenHash: string;
      version: C2bVersion;
      shortCode: string;
      confirmationUrl: string;
      validationUrl: string;
    }
  | { ok: false; at: Date; error: string };

/**
 * Claims the account's registration for `leaseMs` (false while another one holds it): one Register URL
 * call per account at a time, so Daraja's URLs and the stored token hash cannot come from two calls.
 */
export async function claimC2bRegistration(
  db: AccountsDb,
  shop: string,
  id: string,
  now: Date,
  leaseMs: number,
): Promise<boolean> {
  const { count } = await db.mpesaAccount.updateMany({
    where: { ...receiving(shop), id, OR: [{ c2bRegisteringUntil: null }, { c2bRegisteringUntil: { lt: now } }] },
    data: { c2bRegisteringUntil: new Date(now.getTime() + leaseMs) },
  });
  return count === 1;
}

/**
 * Records the outcome of a Register URL call (and releases its claim). A success replaces the token hash (the URLs Daraja now
 * calls carry the new token) and clears the last error; a failure keeps the previous registration.
 */
export async function recordC2bRegistration(
  db: AccountsDb,
  shop: string,
  id: string,
  r: C2bRegistrationRecord,
): Promise<void> {
  const data = r.ok
    ? {
        c2bTokenHash: r.tokenHash,
        c2bRegisteredAt: r.at,
        c2bRegisteredVersion: r.version,
        c2bRegisteredShortCode: r.shortCode,
        c2bConfirmationUrl: r.confirmationUrl,
        c2bValidationUrl: r.validationUrl,
        c2bLastError: null,
        c2bLastAttemptAt: r.at,
        c2bRegisteringUntil: null,
      }
    : { c2bLastError: r.error, c2bLastAttemptAt: r.at, c2bRegisteringUntil: null };
  await db.mpesaAccount.updateMany({ where: { ...receiving(shop), id }, data });
}
