import crypto from "node:crypto";
import { randomUUID } from "node:crypto";
import type { MpesaAccount, PrismaClient } from "@prisma/client";
import { z } from "zod";
import { hashingKey } from "../../lib/keys.server";
import { hashCallbackToken } from "../daraja-events/common/callback-token.server";
import type { InitiatorCredential } from "../daraja/security-credential";
import { findDefaultReceivingAccount, openAccountSecret } from "./accounts.server";
import { initiatorCredential } from "./config.server";
import type { SecretBox } from "./secret-box.server";
import type { FieldErrors, SecretStatus } from "./fields";

// The shop's disbursement account (MpesaAccount purpose DISBURSE, at most one per shop): the
// shortcode refunds are paid from (a B2C shortcode, or the paybill once Safaricom converted it to
// "one account"), its initiator (name + password, or a ready SecurityCredential) and, where they
// differ from the default receiving account's, its own Daraja app keys. Secrets are sealed with the
// account binding "<shop>/mpesa-account/<id>/<field>" and never leave the server: the page sees only
// whether each is stored.

export const DISBURSE = "DISBURSE";
export type DisbursementDb = Pick<PrismaClient, "mpesaAccount">;

export const DISBURSEMENT_SECRET_COLUMNS = {
  consumerSecret: "consumerSecretEnc",
  initiatorPassword: "initiatorPasswordEnc",
  securityCredential: "securityCredentialEnc",
} as const satisfies Record<string, keyof MpesaAccount>;
export type DisbursementSecretField = keyof typeof DISBURSEMENT_SECRET_COLUMNS;
const SECRET_FIELDS = Object.keys(DISBURSEMENT_SECRET_COLUMNS) as DisbursementSecretField[];

export const disbursementSecretContext = (shop: string, id: string, field: DisbursementSecretField) =>
  `${shop}/mpesa-account/${id}/${field}`;

export function findDisbursementAccount(db: DisbursementDb, shop: string): Promise<MpesaAccount | null> {
  return db.mpesaAccount.findFirst({ where: { shopDomain: shop, purpose: DISBURSE }, orderBy: { createdAt: "asc" } });
}

/** Decrypts one of its secrets; undefined when none is stored. Throws SecretDecryptionError. */
export function openDisbursementSecret(
  box: SecretBox,
  a: MpesaAccount,
  field: DisbursementSecretField,
): string | undefined {
  const envelope = a[DISBURSEMENT_SECRET_COLUMNS[field]];
  return envelope ? box.open(envelope, disbursementSecretContext(a.shopDomain, a.id, field)) : undefined;
}

export type DisbursementInput = {
  environment: "sandbox" | "production";
  shortCode: string;
  /** "" : use the default receiving account's Daraja app keys. */
  consumerKey: string;
  initiatorName: string;
  newSecrets: Partial<Record<DisbursementSecretField, string>>;
};

const text = z.preprocess((v) => (typeof v === "string" ? v.trim() : ""), z.string());
const schema = z.object({
  environment: z.enum(["sandbox", "production"], { error: "Choose sandbox or production." }),
  disburseShortCode: text.pipe(
    z
      .string()
      .min(1, "Enter the shortcode refunds are paid from.")
      .regex(/^\d{5,7}$/, "A shortcode is 5 to 7 digits."),
  ),
  disburseConsumerKey: text.pipe(z.string().max(200, "The consumer key looks too long.")),
  disburseConsumerSecret: text.pipe(z.string().max(200, "The consumer secret looks too long.")),
  disburseInitiatorName: text.pipe(
    z
      .string()
      .min(1, "Enter the initiator name (the API operator created on the M-PESA org portal).")
      .regex(/^\S{1,64}$/, "An initiator name has no spaces (at most 64 characters)."),
  ),
  disburseInitiatorPassword: text.pipe(z.string().max(128, "The initiator password looks too long.")),
  disburseSecurityCredential: z.preprocess(
    (v) => (typeof v === "string" ? v.replace(/\s+/g, "") : ""),
    z
      .string()
      .regex(/^([A-Za-z0-9+/]{64,}={0,2})?$/, "Paste the base64 security credential generated on the Daraja portal."),
  ),
});

export type DisbursementField =
  | "disburseShortCode"
  | "disburseConsumerKey"
  | "disburseConsumerSecret"
  | "disburseInitiatorName"
  | "disburseInitiatorPassword"
  | "disburseSecurityCredential"
  | "disburseEnvironment";

export type DisbursementErrors = Partial<Record<DisbursementField, string>>;

export function validateDisbursement(
  form: Record<string, unknown>,
  stored: { consumerSecret: boolean; initiatorPassword: boolean; securityCredential: boolean; consumerKey: string },
): { ok: true; value: DisbursementInput } | { ok: false; errors: DisbursementErrors } {
  const r = schema.safeParse({ ...form, environment: form.disburseEnvironment });
  const errors: DisbursementErrors = {};
  if (!r.success) {
    for (const issue of r.error.issues) {
      const key = (issue.path[0] === "environment" ? "disburseEnvironment" : issue.path[0]) as DisbursementField;
      errors[key] ??= issue.message;
    }
    return { ok: false, errors };
  }
  const f = r.data;
  if (f.disburseInitiatorPassword && f.disburseSecurityCredential) {
    const both = "Enter either the initiator password or a security credential, not both.";
    errors.disburseInitiatorPassword = both;
    errors.disburseSecurityCredential = both;
  }
  if (
    !f.disburseInitiatorPassword &&
    !f.disburseSecurityCredential &&
    !stored.initiatorPassword &&
    !stored.securityCredential
  ) {
    errors.disburseInitiatorPassword = "Enter the initiator password or a security credential for this initiator.";
  }
  // Own keys: both or neither (neither = the default receiving account's app).
  const secretAfter =
    !!f.disburseConsumerSecret || (stored.consumerSecret && f.disburseConsumerKey === stored.consumerKey);
  if (f.disburseConsumerKey && !secretAfter) errors.disburseConsumerSecret = "Enter the consumer secret of this app.";
  if (!f.disburseConsumerKey && f.disburseConsumerSecret)
    errors.disburseConsumerKey = "Enter the consumer key that goes with this secret.";
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const newSecrets: DisbursementInput["newSecrets"] = {};
  if (f.disburseConsumerSecret) newSecrets.consumerSecret = f.disburseConsumerSecret;
  if (f.disburseInitiatorPassword) newSecrets.initiatorPassword = f.disburseInitiatorPassword;
  if (f.disburseSecurityCredential) newSecrets.securityCredential = f.disburseSecurityCredential;
  return {
    ok: true,
    value: {
      environment: f.environment,
      shortCode: f.disburseShortCode,
      consumerKey: f.disburseConsumerKey,
      initiatorName: f.disburseInitiatorName,
      newSecrets,
    },
  };
}

/** Creates or updates the shop's one disbursement account. Absent secrets keep the stored ones. */
export async function saveDisbursementAccount(
  db: DisbursementDb,
  box: SecretBox,
  shop: string,
  input: DisbursementInput,
): Promise<MpesaAccount> {
  const existing = await findDisbursementAccount(db, shop);
  const id = existing?.id ?? `acct_${randomUUID().replace(/-/g, "")}`;
  const sealed: Partial<Record<(typeof DISBURSEMENT_SECRET_COLUMNS)[DisbursementSecretField], string | null>> = {};
  for (const field of SECRET_FIELDS) {
    const value = input.newSecrets[field];
    if (value) sealed[DISBURSEMENT_SECRET_COLUMNS[field]] = box.seal(value, disbursementSecretContext(shop, id, field));
  }
  // Password and ready credential are exclusive; no own key means no own secret.
  if (input.newSecrets.initiatorPassword) sealed.securityCredentialEnc = null;
  if (input.newSecrets.securityCredential) sealed.initiatorPasswordEnc = null;
  if (!input.consumerKey) sealed.consumerSecretEnc = "";
  const plain = {
    environment: input.environment,
    businessShortCode: input.shortCode,
    consumerKey: input.consumerKey,
    initiatorName: input.initiatorName,
  };
  if (existing) {
    const data = { ...plain, ...sealed, consumerSecretEnc: sealed.consumerSecretEnc ?? existing.consumerSecretEnc };
    return db.mpesaAccount.update({ where: { id }, data });
  }
  return db.mpesaAccount.create({
    data: {
      id,
      shopDomain: shop,
      purpose: DISBURSE,
      kind: "paybill",
      label: "Refunds",
      ...plain,
      ...sealed,
      consumerSecretEnc: sealed.consumerSecretEnc ?? "",
      passkeyEnc: "", // B2C, Reversal and Account Balance need no passkey
    },
  });
}

export async function removeDisbursementAccount(db: DisbursementDb, shop: string): Promise<boolean> {
  const { count } = await db.mpesaAccount.deleteMany({ where: { shopDomain: shop, purpose: DISBURSE } });
  return count > 0;
}

/** What Daraja needs to act as the disbursement account, decrypted (server only). */
export type DisbursementCredentials = {
  environment: "sandbox" | "production";
  consumerKey: string;
  consumerSecret: string;
  shortCode: string;
  initiatorName: string;
  credential: InitiatorCredential;
};

/**
 * The disbursement account's credentials, or null when the shop has none (or it cannot act: no app
 * keys of its own and no default receiving account to borrow them from). Throws SecretDecryptionError.
 */
export async function disbursementCredentials(
  db: DisbursementDb,
  box: SecretBox,
  shop: string,
  account?: MpesaAccount | null,
): Promise<DisbursementCredentials | null> {
  const a = account === undefined ? await findDisbursementAccount(db, shop) : account;
  if (!a || !a.initiatorName) return null;
  const securityCredential = openDisbursementSecret(box, a, "securityCredential");
  const password = openDisbursementSecret(box, a, "initiatorPassword");
  const environment = a.environment === "production" ? "production" : "sandbox";
  const credential = initiatorCredential({ securityCredential, password }, environment);
  if (!credential) return null;
  let keys: { consumerKey: string; consumerSecret: string } | null = null;
  if (a.consumerKey) {
    const secret = openDisbursementSecret(box, a, "consumerSecret");
    keys = secret ? { consumerKey: a.consumerKey, consumerSecret: secret } : null;
  } else {
    const receiving = await findDefaultReceivingAccount(db, shop);
    keys = receiving
      ? { consumerKey: receiving.consumerKey, consumerSecret: openAccountSecret(box, receiving, "consumerSecret") }
      : null;
  }
  if (!keys) return null;
  return {
    environment,
    ...keys,
    shortCode: a.businessShortCode,
    initiatorName: a.initiatorName,
    credential,
  };
}

// Account Balance is asynchronous: the answer comes to /daraja/result/balance/<token>. Each request
// gets a new token (derived from the account id and the request time with the app's hashing key);
// only its SHA-256 is stored, so an answer to an older request finds no account and is ignored.

export function balanceToken(accountId: string, requestedAt: Date, key: Buffer = hashingKey()): string {
  return crypto
    .createHmac("sha256", key)
    .update(`account-balance:${accountId}:${requestedAt.getTime()}`)
    .digest("base64url")
    .slice(0, 32);
}

export function balanceUrls(baseUrl: string, token: string) {
  const base = baseUrl.replace(/\/$/, "");
  return {
    resultUrl: `${base}/daraja/result/balance/${token}`,
    queueTimeOutUrl: `${base}/daraja/timeout/balance/${token}`,
  };
}

/** Records that a balance was asked with this token (the previous answer is kept until the new one comes). */
export async function markBalanceRequested(db: DisbursementDb, id: string, token: string, at: Date): Promise<void> {
  await db.mpesaAccount.update({
    where: { id },
    data: { balanceTokenHash: hashCallbackToken(token), balanceRequestedAt: at, balanceError: null },
  });
}

export type BalanceEntry = { name: string; currency: string; available: number };

/** Stores an Account Balance answer on the account whose request carried this token hash. */
export async function recordBalanceAnswer(
  db: DisbursementDb,
  accountId: string,
  tokenHash: string,
  answer: { ok: true; accounts: BalanceEntry[] } | { ok: false; error: string },
  at: Date,
): Promise<boolean> {
  const { count } = await db.mpesaAccount.updateMany({
    where: { id: accountId, balanceTokenHash: tokenHash },
    data: answer.ok
      ? { balanceResult: JSON.stringify(answer.accounts), balanceError: null, balanceAnsweredAt: at }
      : { balanceError: answer.error.slice(0, 500), balanceAnsweredAt: at },
  });
  return count === 1;
}

/** The disbursement account as the page may see it (no secret, only whether each is stored). */
export type DisbursementView = {
  id: string;
  values: {
    environment: "sandbox" | "production";
    disburseShortCode: string;
    disburseConsumerKey: string;
    disburseInitiatorName: string;
  };
  secrets: Record<DisbursementSecretField, SecretStatus>;
  balance: BalanceView;
};

/** An account's last Account Balance check (settings' Test buttons), as the page shows it. */
export type BalanceView = {
  requestedAt: string | null;
  answeredAt: string | null;
  /** An answer is still awaited for the last request. */
  waiting: boolean;
  accounts: BalanceEntry[] | null;
  error: string | null;
};

export function balanceView(
  a: Pick<MpesaAccount, "balanceRequestedAt" | "balanceAnsweredAt" | "balanceResult" | "balanceError">,
): BalanceView {
  const waiting =
    !!a.balanceRequestedAt && (!a.balanceAnsweredAt || a.balanceAnsweredAt.getTime() < a.balanceRequestedAt.getTime());
  let accounts: BalanceEntry[] | null = null;
  try {
    accounts = a.balanceResult ? (JSON.parse(a.balanceResult) as BalanceEntry[]) : null;
  } catch {
    accounts = null;
  }
  return {
    requestedAt: a.balanceRequestedAt?.toISOString() ?? null,
    answeredAt: a.balanceAnsweredAt?.toISOString() ?? null,
    waiting,
    accounts,
    error: a.balanceError,
  };
}

export function disbursementView(a: MpesaAccount | null, box: SecretBox): DisbursementView | null {
  if (!a) return null;
  const secrets = {} as Record<DisbursementSecretField, SecretStatus>;
  for (const field of SECRET_FIELDS) {
    try {
      secrets[field] = { stored: !!openDisbursementSecret(box, a, field), unreadable: false };
    } catch {
      secrets[field] = { stored: true, unreadable: true };
    }
  }
  return {
    id: a.id,
    values: {
      environment: a.environment === "production" ? "production" : "sandbox",
      disburseShortCode: a.businessShortCode,
      disburseConsumerKey: a.consumerKey,
      disburseInitiatorName: a.initiatorName ?? "",
    },
    secrets,
    balance: balanceView(a),
  };
}

export type { FieldErrors };
