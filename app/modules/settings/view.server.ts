import type { ShopSettings } from "@prisma/client";
import { SecretDecryptionError, type SecretBox } from "./secret-box.server";
import { openSecret } from "./repository.server";
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

export function settingsView(row: ShopSettings | null, box: SecretBox): SettingsView {
  const secrets = {} as Record<SecretField, SecretStatus>;
  for (const field of SECRET_FIELDS) secrets[field] = secretStatus(row, box, field);
  return {
    configured: !!row,
    values: {
      environment: row?.environment === "production" ? "production" : "sandbox",
      shortcodeType: row?.shortcodeType === "till" ? "till" : "paybill",
      businessShortCode: row?.businessShortCode ?? "",
      tillNumber: row?.tillNumber ?? "",
      consumerKey: row?.consumerKey ?? "",
      paymentMethodName: row?.paymentMethodName ?? "M-PESA",
      accountReferenceTemplate: row?.accountReferenceTemplate ?? "{order_number}",
      initiatorName: row?.initiatorName ?? "",
      allowSandboxOnLiveStore: row?.allowSandboxOnLiveStore ?? false,
    },
    secrets,
  };
}

function secretStatus(row: ShopSettings | null, box: SecretBox, field: SecretField): SecretStatus {
  if (!row) return { stored: false, unreadable: false };
  try {
    const value = openSecret(box, row, field);
    if (value === undefined) return { stored: false, unreadable: false };
    return { stored: true, unreadable: false };
  } catch (error) {
    if (!(error instanceof SecretDecryptionError)) throw error;
    // Stored under a key this process no longer has (or altered): the merchant must re-enter it.
    return { stored: true, unreadable: true };
  }
}
