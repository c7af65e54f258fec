import type { InitiatorCredential } from "../daraja/security-credential";
import type { ShopDarajaConfig } from "../settings/config.server";

// The ONE place that says which M-PESA account and initiator refunds use. Today: the shop's
// settings as they are read for payments — the business shortcode (a paybill converted to "one
// account" can disburse) and the initiator name with its password or ready security credential. A
// separate disbursement (B2C) account in settings later changes only this function.

export interface RefundAccount {
  environment: "sandbox" | "production";
  baseUrl: string;
  consumerKey: string;
  consumerSecret: string;
  /** PartyA of B2C, ReceiverParty of Reversal, PartyA of Transaction Status and Account Balance. */
  shortCode: string;
  initiatorName: string;
  credential: InitiatorCredential;
}

export function refundAccountOf(config: ShopDarajaConfig | null): RefundAccount | null {
  const initiator = config?.initiator;
  if (!config || !initiator) return null;
  const credential: InitiatorCredential | null = initiator.securityCredential
    ? { securityCredential: initiator.securityCredential }
    : initiator.password
      ? { initiatorPassword: initiator.password }
      : null;
  if (!credential) return null;
  return {
    environment: config.environment,
    baseUrl: config.baseUrl,
    consumerKey: config.consumerKey,
    consumerSecret: config.consumerSecret,
    shortCode: config.businessShortCode,
    initiatorName: initiator.name,
    credential,
  };
}
