import { SecretDecryptionError, type SecretBox } from "./secret-box.server";
import { openSetupSecret, type ShopSetup } from "./repository.server";
import { SECRET_FIELDS, type SecretField } from "./validation";
import type { PlainSettings, SecretStatus } from "./fields";

// The settings as the page may see them: plain fields, and for each secret only whether it is
// stored. This is the one projection loaders use, so no secret — nor any part of one — reaches the browser.

export type { SecretStatus };

export type SettingsView = {
  configured: boolean;
  values: PlainSettings;
  secrets: Record<SecretField, SecretStatus>;
};

export function settingsView(setup: ShopSetup, box: SecretBox): SettingsView {
  const { settings: row, account } = setup;
  const secrets = {} as Record<SecretField, SecretStatus>;
  for (const field of SECRET_FIELDS) secrets[field] = secretStatus(setup, box, field);
  return {
    configured: !!row && !!account,
    values: {
      environment: account?.environment === "production" ? "production" : "sandbox",
      shortcodeType: account?.kind === "till" ? "till" : "paybill",
      businessShortCode: account?.businessShortCode ?? "",
      tillNumber: account?.tillNumber ?? "",
      consumerKey: account?.consumerKey ?? "",
      paymentMethodName: row?.paymentMethodName ?? "M-PESA",
      accountReferenceTemplate: row?.accountReferenceTemplate ?? "{order_number}",
      initiatorName: row?.initiatorName ?? "",
      allowSandboxOnLiveStore: row?.allowSandboxOnLiveStore ?? false,
    },
    secrets,
  };
}

function secretStatus(setup: ShopSetup, box: SecretBox, field: SecretField): SecretStatus {
  try {
    const value = openSetupSecret(box, setup, field);
    if (value === undefined) return { stored: false, unreadable: false };
    return { stored: true, unreadable: false };
  } catch (error) {
    if (!(error instanceof SecretDecryptionError)) throw error;
    // Stored under a key this process no longer has (or altered): the merchant must re-enter it.
    return { stored: true, unreadable: true };
  }
}
