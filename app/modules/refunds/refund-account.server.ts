import type { InitiatorCredential } from "../daraja/security-credential";
import type { PrismaClient } from "@prisma/client";
import { env } from "../../lib/env.server";
import {
  darajaBaseUrl,
  getShopDarajaConfig,
  initiatorCredential,
  secretBoxFromEnv,
  type ShopDarajaConfig,
} from "../settings/config.server";
import { disbursementCredentials, type DisbursementCredentials } from "../settings/disbursement.server";

// The ONE place that says which M-PESA account and initiator refunds use:
// 1. the shop's disbursement account (Settings → "Refunds account", MpesaAccount purpose DISBURSE):
//    its shortcode, initiator and Daraja app keys (its own, or the default receiving account's);
// 2. else the shop-wide initiator acting for the default receiving account (a paybill converted to
//    "one account" can disburse), as before the disbursement account existed;
// 3. else none (null): refunds cannot be paid by the app and go manual (pay back outside the app).

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
  const credential = initiatorCredential(initiator, config.environment);
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

/** The account refunds are paid from: the disbursement account when configured, else the shop-wide initiator's. */
export function refundAccountFor(
  disbursement: DisbursementCredentials | null,
  config: ShopDarajaConfig | null,
  baseUrlOf: (environment: "sandbox" | "production") => string,
): RefundAccount | null {
  if (disbursement) {
    return {
      environment: disbursement.environment,
      baseUrl: baseUrlOf(disbursement.environment),
      consumerKey: disbursement.consumerKey,
      consumerSecret: disbursement.consumerSecret,
      shortCode: disbursement.shortCode,
      initiatorName: disbursement.initiatorName,
      credential: disbursement.credential,
    };
  }
  return refundAccountOf(config);
}

/** The shop's refund account read from its settings (null: none — refunds are paid back by hand). */
export async function findRefundAccount(
  db: Pick<PrismaClient, "shopSettings" | "mpesaAccount">,
  shop: string,
): Promise<RefundAccount | null> {
  const config = env();
  return refundAccountFor(
    await disbursementCredentials(db, secretBoxFromEnv(config), shop),
    await getShopDarajaConfig(db, shop),
    (environment) => darajaBaseUrl(environment, config),
  );
}
