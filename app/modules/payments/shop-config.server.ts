import { ShopNotConfiguredError } from "../../lib/errors";
import type { ShopDarajaConfig } from "../settings/config.server";
import type { PaymentsDeps } from "./deps.server";

/** The shop's Daraja configuration for background work; no settings is one decision: final. */
export async function requireShopConfig(
  deps: Pick<PaymentsDeps, "shopConfig">,
  shop: string,
): Promise<ShopDarajaConfig> {
  const config = await deps.shopConfig(shop);
  if (!config) throw new ShopNotConfiguredError(shop);
  return config;
}
