// Names shared by the server and the settings page (kept free of zod so the page bundle stays small).

export const SECRET_FIELDS = ["consumerSecret", "passkey", "initiatorPassword", "securityCredential"] as const;
export type SecretField = (typeof SECRET_FIELDS)[number];
export type StoredSecrets = Record<SecretField, boolean>;

export type SettingsField =
  | "environment"
  | "shortcodeType"
  | "businessShortCode"
  | "tillNumber"
  | "consumerKey"
  | "paymentMethodName"
  | "accountReferenceTemplate"
  | "initiatorName"
  | SecretField;
export type FieldErrors = Partial<Record<SettingsField, string>>;
