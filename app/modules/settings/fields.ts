// Names shared by the server and the settings page (kept free of zod so the page bundle stays small).

export const SECRET_FIELDS = ["consumerSecret", "passkey", "initiatorPassword", "securityCredential"] as const;
export type SecretField = (typeof SECRET_FIELDS)[number];
export type StoredSecrets = Record<SecretField, boolean>;
/** An M-PESA account's own secrets; the other two (the initiator's) are shop-wide. */
export const ACCOUNT_SECRET_FIELDS = ["consumerSecret", "passkey"] as const;
export const SHOP_SECRET_FIELDS = ["initiatorPassword", "securityCredential"] as const;

export type SettingsField =
  | "environment"
  | "shortcodeType"
  | "businessShortCode"
  | "tillNumber"
  | "consumerKey"
  | "label"
  | "c2bVersion"
  | "c2bResponseType"
  | "paymentMethodName"
  | "accountReferenceTemplate"
  | "initiatorName"
  | "accountId"
  | SecretField;
export type FieldErrors = Partial<Record<SettingsField, string>>;

/** The shop-wide settings, as the page shows and edits them. */
export type ShopPlainSettings = {
  paymentMethodName: string;
  accountReferenceTemplate: string;
  initiatorName: string;
  /** Daraja sandbox payments may mark orders paid on a live (non-development) store. Off by default. */
  allowSandboxOnLiveStore: boolean;
};

/** One receiving M-PESA account's plain fields, as the page shows and edits them. */
export type AccountPlainSettings = {
  label: string;
  environment: "sandbox" | "production";
  shortcodeType: "paybill" | "till";
  businessShortCode: string;
  tillNumber: string;
  consumerKey: string;
  c2bVersion: "v1" | "v2";
  c2bResponseType: "Completed" | "Cancelled";
  c2bValidationEnabled: boolean;
};

/** The non-secret settings of a shop with one account (its default): the combined, single-account form. */
export type PlainSettings = ShopPlainSettings &
  Omit<AccountPlainSettings, "label" | "c2bVersion" | "c2bResponseType" | "c2bValidationEnabled">;

/** What the page may know of a stored secret: whether it is there (no part of it, not even a hint). */
export type SecretStatus = { stored: boolean; unreadable: boolean };

export const EMPTY_ACCOUNT: AccountPlainSettings = {
  label: "",
  environment: "sandbox",
  shortcodeType: "paybill",
  businessShortCode: "",
  tillNumber: "",
  consumerKey: "",
  c2bVersion: "v2",
  c2bResponseType: "Completed",
  c2bValidationEnabled: false,
};
