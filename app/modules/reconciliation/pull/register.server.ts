import type { PrismaClient } from "@prisma/client";
import { DarajaError, InvalidPhoneNumberError, normalizeMsisdn } from "../../daraja";
import { findReceivingAccount } from "../../settings/accounts.server";
import type { ShopDarajaConfig } from "../../settings/config.server";
import { pullShortCode } from "./run.server";

// Register a receiving account for Pull Transactions (settings page). Daraja wants the shortcode, the
// "nominated number" — the Safaricom phone number on the shortcode's KYC in the M-PESA Org Portal, not the
// shortcode — and a CallBackURL. Queries are answered in the HTTP response; nothing has been seen sent to
// that URL, so it points at this app's /daraja/pull, which answers nothing but 404. Answers 1000
// (registered) and 1001 (already registered) both leave the account registered.

export const PULL_CALLBACK_PATH = "/daraja/pull";

export interface PullRegisterDeps {
  db: PrismaClient;
  now: () => Date;
  shopConfig: (shop: string, accountId?: string | null) => Promise<ShopDarajaConfig | null>;
  pullRegisterClient: (config: ShopDarajaConfig) => {
    pullRegister(i: { shortCode: string | number; nominatedNumber: string; callbackUrl: string }): Promise<{
      alreadyRegistered: boolean;
      responseDescription: string;
    }>;
  };
  callbackBaseUrl: string;
}

export type PullRegisterOutcome =
  { ok: true; message: string } | { ok: false; field?: "nominatedNumber" | "accountId"; message: string };

export async function registerPull(
  deps: PullRegisterDeps,
  shop: string,
  accountId: string,
  nominatedNumberInput: string,
): Promise<PullRegisterOutcome> {
  const account = accountId ? await findReceivingAccount(deps.db, shop, accountId) : null;
  if (!account) return { ok: false, field: "accountId", message: "That M-PESA account was not found." };
  let nominatedNumber: string;
  try {
    nominatedNumber = normalizeMsisdn(nominatedNumberInput.trim(), "nominatedNumber");
  } catch (error) {
    if (!(error instanceof InvalidPhoneNumberError)) throw error;
    return {
      ok: false,
      field: "nominatedNumber",
      message: "Enter the Safaricom phone number on the shortcode's KYC (for example 0722 000 000), not the shortcode.",
    };
  }
  const now = deps.now();
  await deps.db.mpesaAccount.update({
    where: { id: account.id },
    data: { pullNominatedNumber: nominatedNumber, pullLastAttemptAt: now },
  });
  const fail = async (message: string): Promise<PullRegisterOutcome> => {
    await deps.db.mpesaAccount.update({ where: { id: account.id }, data: { pullLastError: message.slice(0, 500) } });
    return { ok: false, message };
  };
  const config = await deps.shopConfig(shop, account.id);
  if (!config) return fail("This account's Daraja settings cannot be read.");
  try {
    const answer = await deps.pullRegisterClient(config).pullRegister({
      shortCode: pullShortCode(account),
      nominatedNumber,
      callbackUrl: `${deps.callbackBaseUrl.replace(/\/+$/, "")}${PULL_CALLBACK_PATH}`,
    });
    await deps.db.mpesaAccount.update({
      where: { id: account.id },
      data: { pullRegisteredAt: now, pullLastError: null },
    });
    return {
      ok: true,
      message: answer.alreadyRegistered
        ? "Daraja says this shortcode was already registered for Pull Transactions: pulls start now."
        : "Registered for Pull Transactions: pulls start now.",
    };
  } catch (error) {
    if (error instanceof DarajaError) return fail(`Daraja refused the registration: ${error.message}`);
    throw error;
  }
}
