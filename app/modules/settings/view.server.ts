import type { MpesaAccount, ShopSettings } from "@prisma/client";
import { ACCOUNT_SECRET_FIELDS, openAccountSecret, receivingNumber, type AccountSecretField } from "./accounts.server";
import { SecretDecryptionError, type SecretBox } from "./secret-box.server";
import { openSecret, openSetupSecret, type ShopSecretField, type ShopSetup } from "./repository.server";
import { SECRET_FIELDS, SHOP_SECRET_FIELDS, type SecretField } from "./fields";
import type { AccountPlainSettings, PlainSettings, SecretStatus, ShopPlainSettings } from "./fields";

// The settings as the page may see them: plain fields, and for each secret only whether it is
// stored. These are the projections loaders use, so no secret — nor any part of one — reaches the browser.

export type { SecretStatus };

/** The shop at a glance (home page, payments): its shop-wide settings and its default account. */
export type SettingsView = {
  configured: boolean;
  values: PlainSettings;
  secrets: Record<SecretField, SecretStatus>;
};

export function settingsView(setup: ShopSetup, box: SecretBox): SettingsView {
  const { settings: row, account } = setup;
  const secrets = {} as Record<SecretField, SecretStatus>;
  for (const field of SECRET_FIELDS) secrets[field] = secretStatus(() => openSetupSecret(box, setup, field));
  return {
    configured: !!row && !!account,
    values: {
      environment: account?.environment === "production" ? "production" : "sandbox",
      shortcodeType: account?.kind === "till" ? "till" : "paybill",
      businessShortCode: account?.businessShortCode ?? "",
      tillNumber: account?.tillNumber ?? "",
      consumerKey: account?.consumerKey ?? "",
      ...shopValues(row),
    },
    secrets,
  };
}

export type ShopView = {
  saved: boolean;
  values: ShopPlainSettings;
  secrets: Record<ShopSecretField, SecretStatus>;
};

function shopValues(row: ShopSettings | null): ShopPlainSettings {
  return {
    paymentMethodName: row?.paymentMethodName ?? "M-PESA",
    accountReferenceTemplate: row?.accountReferenceTemplate ?? "{order_number}",
    initiatorName: row?.initiatorName ?? "",
    allowSandboxOnLiveStore: row?.allowSandboxOnLiveStore ?? false,
  };
}

export function shopView(row: ShopSettings | null, box: SecretBox): ShopView {
  const secrets = {} as Record<ShopSecretField, SecretStatus>;
  for (const field of SHOP_SECRET_FIELDS) secrets[field] = secretStatus(() => row && openSecret(box, row, field));
  return { saved: !!row, values: shopValues(row), secrets };
}

/** Where the account's C2B URLs stand (the URLs as registered, their token elided). */
export type C2bRegistrationView = {
  registered: { at: string; version: string; shortCode: string; confirmationUrl: string; validationUrl: string } | null;
  lastError: { at: string; message: string } | null;
};

export type AccountView = {
  id: string;
  isDefault: boolean;
  values: AccountPlainSettings;
  /** The number customers pay: the paybill, or the till number. */
  receivingNumber: string;
  secrets: Record<AccountSecretField, SecretStatus>;
  c2b: C2bRegistrationView;
};

export function accountValues(a: MpesaAccount): AccountPlainSettings {
  return {
    label: a.label,
    environment: a.environment === "production" ? "production" : "sandbox",
    shortcodeType: a.kind === "till" ? "till" : "paybill",
    businessShortCode: a.businessShortCode,
    tillNumber: a.tillNumber ?? "",
    consumerKey: a.consumerKey,
    c2bVersion: a.c2bVersion === "v1" ? "v1" : "v2",
    c2bResponseType: a.c2bResponseType === "Cancelled" ? "Cancelled" : "Completed",
    c2bValidationEnabled: a.c2bValidationEnabled,
  };
}

export function accountView(a: MpesaAccount, box: SecretBox): AccountView {
  const secrets = {} as Record<AccountSecretField, SecretStatus>;
  for (const field of ACCOUNT_SECRET_FIELDS) secrets[field] = secretStatus(() => openAccountSecret(box, a, field));
  return {
    id: a.id,
    isDefault: !!a.defaultForShop,
    values: accountValues(a),
    receivingNumber: receivingNumber(a),
    secrets,
    c2b: {
      registered:
        a.c2bRegisteredAt && a.c2bConfirmationUrl
          ? {
              at: a.c2bRegisteredAt.toISOString(),
              version: a.c2bRegisteredVersion ?? "",
              shortCode: a.c2bRegisteredShortCode ?? "",
              confirmationUrl: a.c2bConfirmationUrl,
              validationUrl: a.c2bValidationUrl ?? "",
            }
          : null,
      lastError:
        a.c2bLastError && a.c2bLastAttemptAt ? { at: a.c2bLastAttemptAt.toISOString(), message: a.c2bLastError } : null,
    },
  };
}

function secretStatus(open: () => string | null | undefined): SecretStatus {
  try {
    const value = open();
    if (value === undefined || value === null) return { stored: false, unreadable: false };
    return { stored: true, unreadable: false };
  } catch (error) {
    if (!(error instanceof SecretDecryptionError)) throw error;
    // Stored under a key this process no longer has (or altered): the merchant must re-enter it.
    return { stored: true, unreadable: true };
  }
}
