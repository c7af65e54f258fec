import { z } from "zod";
import { accountReferenceTemplateProblem } from "./account-reference";
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

export function validateSettings(form: Record<string, unknown>, stored: StoredSecrets): ValidationResult {
  const errors: FieldErrors = {};
  const parsed = fieldSchema.safeParse(form);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = issue.path[0] as SettingsField;
      errors[field] ??= issue.message;
    }
  }
  // Cross-field rules run on whatever parsed; fields that already failed keep their first message.
  const raw = (parsed.success ? parsed.data : partialParse(form)) as Partial<Fields>;
  crossFieldRules(raw, stored, errors);
  if (Object.keys(errors).length > 0 || !parsed.success) return { ok: false, errors };
  return { ok: true, value: toInput(parsed.data) };
}

function crossFieldRules(f: Partial<Fields>, stored: StoredSecrets, errors: FieldErrors) {
  const add = (field: SettingsField, message: string) => (errors[field] ??= message);
  if (f.shortcodeType === "till" && !f.tillNumber) add("tillNumber", "A till (Buy Goods) needs its till number.");
  if (!f.consumerSecret && !stored.consumerSecret) add("consumerSecret", "Enter the consumer secret.");
  if (!f.passkey && !stored.passkey) add("passkey", "Enter the passkey.");
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
}

/** Per-field values for the cross-field rules when the whole object did not parse. */
function partialParse(form: Record<string, unknown>): Partial<Fields> {
  const out: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(fieldSchema.shape)) {
    const r = (schema as z.ZodType).safeParse(form[key]);
    if (r.success) out[key] = r.data;
  }
  return out as Partial<Fields>;
}

function toInput(f: Fields): SettingsInput {
  const newSecrets: SettingsInput["newSecrets"] = {};
  for (const k of SECRET_FIELDS) if (f[k]) newSecrets[k] = f[k];
  return {
    environment: f.environment,
    shortcodeType: f.shortcodeType,
    businessShortCode: f.businessShortCode,
    tillNumber: f.shortcodeType === "till" ? (f.tillNumber ?? null) : null,
    consumerKey: f.consumerKey,
    paymentMethodName: f.paymentMethodName,
    accountReferenceTemplate: f.accountReferenceTemplate,
    initiatorName: f.initiatorName ?? null,
    allowSandboxOnLiveStore: f.allowSandboxOnLiveStore,
    newSecrets,
  };
}

export type ConnectionInput = {
  environment: "sandbox" | "production";
  consumerKey: string;
  /** Absent: use the stored secret. */
  consumerSecret?: string;
};

/** "Test connection" needs only the environment and the key pair (the rest may still be unsaved). */
export function validateConnectionInput(
  form: Record<string, unknown>,
  stored: Pick<StoredSecrets, "consumerSecret">,
): { ok: true; value: ConnectionInput } | { ok: false; errors: FieldErrors } {
  const parsed = fieldSchema.pick({ environment: true, consumerKey: true, consumerSecret: true }).safeParse(form);
  const errors: FieldErrors = {};
  if (!parsed.success) {
    for (const issue of parsed.error.issues) errors[issue.path[0] as SettingsField] ??= issue.message;
  }
  const typed = typeof form.consumerSecret === "string" && form.consumerSecret.trim() !== "";
  if (!typed && !stored.consumerSecret) {
    errors.consumerSecret ??= "Enter the consumer secret.";
  }
  if (!parsed.success || Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, value: parsed.data };
}
