import { z } from "zod";
import { accountReferenceTemplateProblem } from "./account-reference";
import type { AccountInput } from "./accounts.server";
import { SECRET_FIELDS, type FieldErrors, type SecretField, type SettingsField, type StoredSecrets } from "./fields";

// Validation of the settings form. Field-level rules are zod schemas; rules that involve several
// fields or what is already stored (an empty secret field keeps the stored value) run afterwards,
// so the merchant sees every problem at once instead of one round trip per mistake.

export { SECRET_FIELDS, type FieldErrors, type SecretField, type SettingsField, type StoredSecrets };

export type SettingsInput = {
  environment: "sandbox" | "production";
  shortcodeType: "paybill" | "till";
  businessShortCode: string;
  tillNumber: string | null;
  consumerKey: string;
  paymentMethodName: string;
  accountReferenceTemplate: string;
  initiatorName: string | null;
  /** Off unless the merchant ticks it (absent: off). */
  allowSandboxOnLiveStore?: boolean;
  /** Only the secrets the merchant typed; absent ones keep the stored value. */
  newSecrets: Partial<Record<SecretField, string>>;
};

const text = z.preprocess((v) => (typeof v === "string" ? v.trim() : ""), z.string());
const optional = <T extends z.ZodType>(s: T) =>
  z.preprocess((v) => (typeof v === "string" && v.trim() ? v.trim() : undefined), s.optional());

const credentialText = (what: string) =>
  z
    .string()
    .min(8, `${what} looks too short. Copy it from your app on the Daraja portal.`)
    .max(128, `${what} looks too long.`)
    .regex(/^[^\s:]+$/, `${what} cannot contain spaces or ":".`);

const fieldSchema = z.object({
  label: text.pipe(z.string().max(40, "Keep the name under 40 characters.")),
  environment: z.enum(["sandbox", "production"], { error: "Choose sandbox or production." }),
  shortcodeType: z.enum(["paybill", "till"], { error: "Choose paybill or till (Buy Goods)." }),
  businessShortCode: text.pipe(
    z
      .string()
      .min(1, "Enter the shortcode.")
      .regex(/^\d{5,7}$/, "A shortcode is 5 to 7 digits."),
  ),
  tillNumber: optional(z.string().regex(/^\d{5,8}$/, "A till number is 5 to 8 digits.")),
  consumerKey: text.pipe(z.string().min(1, "Enter the consumer key.").pipe(credentialText("The consumer key"))),
  consumerSecret: optional(credentialText("The consumer secret")),
  passkey: optional(
    z.string().regex(/^[0-9a-fA-F]{64}$/, "The passkey is 64 hexadecimal characters (0-9, a-f), as Safaricom sent it."),
  ),
  paymentMethodName: text.pipe(
    z.string().min(1, "Enter the payment method name.").max(100, "Keep the name under 100 characters."),
  ),
  accountReferenceTemplate: text.pipe(z.string().max(40, "Keep the template under 40 characters.")),
  // A checkbox: present ("true"/"on") when ticked, absent otherwise.
  allowSandboxOnLiveStore: z.preprocess((v) => v === "true" || v === "on", z.boolean()),
  c2bVersion: z.preprocess(
    (v) => (v === undefined || v === "" ? "v2" : v),
    z.enum(["v1", "v2"], { error: "Choose C2B API version v1 or v2." }),
  ),
  c2bResponseType: z.preprocess(
    (v) => (v === undefined || v === "" ? "Completed" : v),
    z.enum(["Completed", "Cancelled"], { error: "Choose Completed or Cancelled." }),
  ),
  c2bValidationEnabled: z.preprocess((v) => v === "true" || v === "on", z.boolean()),
  initiatorName: optional(z.string().regex(/^\S{1,64}$/, "An initiator name has no spaces (at most 64 characters).")),
  initiatorPassword: optional(z.string().max(128, "The initiator password looks too long.")),
  // Pasted credentials often wrap over several lines: whitespace is not part of base64.
  securityCredential: z.preprocess(
    (v) => (typeof v === "string" && v.trim() ? v.replace(/\s+/g, "") : undefined),
    z
      .string()
      .regex(/^[A-Za-z0-9+/]{64,}={0,2}$/, "Paste the base64 security credential generated on the Daraja portal.")
      .optional(),
  ),
});
type Fields = z.infer<typeof fieldSchema>;

export type ValidationResult = { ok: true; value: SettingsInput } | { ok: false; errors: FieldErrors };

type Key = keyof Fields;
const SHOP_KEYS = [
  "paymentMethodName",
  "accountReferenceTemplate",
  "allowSandboxOnLiveStore",
  "initiatorName",
  "initiatorPassword",
  "securityCredential",
] as const satisfies Key[];
const ACCOUNT_KEYS = [
  "label",
  "environment",
  "shortcodeType",
  "businessShortCode",
  "tillNumber",
  "consumerKey",
  "consumerSecret",
  "passkey",
  "c2bVersion",
  "c2bResponseType",
  "c2bValidationEnabled",
] as const satisfies Key[];

/** Parses the given fields; every field's first problem, then the cross-field rules on what parsed. */
function run<K extends Key>(
  keys: readonly K[],
  form: Record<string, unknown>,
  rules: (f: Partial<Pick<Fields, K>>, add: (field: SettingsField, message: string) => void) => void,
): { ok: true; value: Pick<Fields, K> } | { ok: false; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const value: Partial<Pick<Fields, K>> = {};
  for (const key of keys) {
    const r = (fieldSchema.shape[key] as z.ZodType).safeParse(form[key]);
    if (r.success) value[key] = r.data as Fields[K];
    else errors[key as SettingsField] ??= r.error.issues[0]?.message ?? "Check this field.";
  }
  rules(value, (field, message) => (errors[field] ??= message));
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, value: value as Pick<Fields, K> };
}

export type ShopSettingsInput = Pick<
  SettingsInput,
  "paymentMethodName" | "accountReferenceTemplate" | "initiatorName" | "allowSandboxOnLiveStore"
> & { newSecrets: Partial<Record<"initiatorPassword" | "securityCredential", string>> };

/** The shop-wide form: checkout texts, the sandbox-on-live flag, the initiator. */
export function validateShopSettings(
  form: Record<string, unknown>,
  stored: Pick<StoredSecrets, "initiatorPassword" | "securityCredential">,
): { ok: true; value: ShopSettingsInput } | { ok: false; errors: FieldErrors } {
  const r = run(SHOP_KEYS, form, (f, add) => {
    if (f.accountReferenceTemplate !== undefined) {
      const problem = accountReferenceTemplateProblem(f.accountReferenceTemplate);
      if (problem) add("accountReferenceTemplate", problem);
    }
    if (f.initiatorPassword && f.securityCredential) {
      const both = "Enter either the initiator password or a security credential, not both.";
      add("initiatorPassword", both);
      add("securityCredential", both);
    }
    if ((f.initiatorPassword || f.securityCredential) && !f.initiatorName) {
      add("initiatorName", "Enter the initiator name that goes with this password or credential.");
    }
    const hasCredential =
      f.initiatorPassword || f.securityCredential || stored.initiatorPassword || stored.securityCredential;
    if (f.initiatorName && !hasCredential) {
      add("initiatorPassword", "Enter the initiator password or a security credential for this initiator.");
    }
  });
  if (!r.ok) return r;
  const f = r.value;
  const newSecrets: ShopSettingsInput["newSecrets"] = {};
  if (f.initiatorPassword) newSecrets.initiatorPassword = f.initiatorPassword;
  if (f.securityCredential) newSecrets.securityCredential = f.securityCredential;
  return {
    ok: true,
    value: {
      paymentMethodName: f.paymentMethodName,
      accountReferenceTemplate: f.accountReferenceTemplate,
      initiatorName: f.initiatorName ?? null,
      allowSandboxOnLiveStore: f.allowSandboxOnLiveStore,
      newSecrets,
    },
  };
}

/**
 * One receiving M-PESA account (paybill or till). `stored`: which of its secrets are stored and
 * readable (an empty field keeps them); a new account has none.
 */
export function validateAccount(
  form: Record<string, unknown>,
  stored: Pick<StoredSecrets, "consumerSecret" | "passkey">,
): { ok: true; value: AccountInput } | { ok: false; errors: FieldErrors } {
  const r = run(ACCOUNT_KEYS, form, (f, add) => {
    if (f.shortcodeType === "till" && !f.tillNumber) add("tillNumber", "A till (Buy Goods) needs its till number.");
    if (f.shortcodeType === "till" && f.tillNumber && f.tillNumber === f.businessShortCode) {
      add(
        "tillNumber",
        "The till number and the store number are the same. The store (head-office) number is the shortcode you went live with and the passkey belongs to; the till number is the one customers pay.",
      );
    }
    if (!f.consumerSecret && !stored.consumerSecret) add("consumerSecret", "Enter the consumer secret.");
    if (!f.passkey && !stored.passkey) add("passkey", "Enter the passkey.");
  });
  if (!r.ok) return r;
  const f = r.value;
  const newSecrets: AccountInput["newSecrets"] = {};
  if (f.consumerSecret) newSecrets.consumerSecret = f.consumerSecret;
  if (f.passkey) newSecrets.passkey = f.passkey;
  return {
    ok: true,
    value: {
      label: f.label,
      kind: f.shortcodeType,
      environment: f.environment,
      businessShortCode: f.businessShortCode,
      tillNumber: f.shortcodeType === "till" ? (f.tillNumber ?? null) : null,
      consumerKey: f.consumerKey,
      c2bVersion: f.c2bVersion,
      c2bResponseType: f.c2bResponseType,
      c2bValidationEnabled: f.c2bValidationEnabled,
      newSecrets,
    },
  };
}

/**
 * The single-account form (shop-wide settings and the default account together), as the sandbox seed
 * and a shop's first set-up submit it. Every problem of both parts at once.
 */
export function validateSettings(form: Record<string, unknown>, stored: StoredSecrets): ValidationResult {
  const shop = validateShopSettings(form, stored);
  const account = validateAccount(form, stored);
  if (!shop.ok || !account.ok) {
    return { ok: false, errors: { ...(account.ok ? {} : account.errors), ...(shop.ok ? {} : shop.errors) } };
  }
  const a = account.value;
  return {
    ok: true,
    value: {
      environment: a.environment,
      shortcodeType: a.kind,
      businessShortCode: a.businessShortCode,
      tillNumber: a.tillNumber,
      consumerKey: a.consumerKey,
      ...shop.value,
      newSecrets: { ...a.newSecrets, ...shop.value.newSecrets },
    },
  };
}
