import { ShopNotConfiguredError } from "../../lib/errors";
import type { ShopDarajaConfig } from "../settings/config.server";
import type { PaymentsDeps } from "./deps.server";

/**
 * The shop's Daraja configuration for background work — of the account an attempt was sent for, when
 * given — no settings is one decision: final.
 */
export async function requireShopConfig(
  deps: Pick<PaymentsDeps, "shopConfig">,
  shop: string,
  accountId?: string | null,
): Promise<ShopDarajaConfig> {
  const config = await deps.shopConfig(shop, accountId);
  if (!config) throw new ShopNotConfiguredError(shop);
  return config;
}
