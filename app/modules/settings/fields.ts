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

/** The non-secret settings, as the page shows and edits them. */
export type PlainSettings = {
  environment: "sandbox" | "production";
  shortcodeType: "paybill" | "till";
  businessShortCode: string;
  tillNumber: string;
  consumerKey: string;
  paymentMethodName: string;
  accountReferenceTemplate: string;
  initiatorName: string;
  /** Daraja sandbox payments may mark orders paid on a live (non-development) store. Off by default. */
  allowSandboxOnLiveStore: boolean;
};

/** What the page may know of a stored secret: whether it is there (no part of it, not even a hint). */
export type SecretStatus = { stored: boolean; unreadable: boolean };
