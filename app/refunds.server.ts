import { env } from "./lib/env.server";
import { darajaClientFactory } from "./payments.server";
import type { RefundsDeps } from "./modules/refunds/deps.server";
import { findRefundAccount } from "./modules/refunds/refund-account.server";
import { getShopPaymentSettings } from "./modules/settings/config.server";
import { adminGraphqlForShop } from "./shopify-admin.server";

// The production composition of the refund flow (a composition root, like payments.server.ts):
// the app database, the shared Daraja client factory, the shop's refund account read through
// today's settings (refund-account.server.ts), and the shop's offline Admin API session.

let cached: Promise<RefundsDeps> | undefined;

export function refundsDeps(): Promise<RefundsDeps> {
  cached ??= build();
  return cached;
}

async function build(): Promise<RefundsDeps> {
  const config = env();
  const db = (await import("./db.server")).default;
  const clients = await darajaClientFactory();
  return {
    db,
    now: () => new Date(),
    config: {
      callbackBaseUrl: config.CALLBACK_BASE_URL ?? config.SHOPIFY_APP_URL,
      resultWaitMs: config.REFUND_RESULT_WAIT_SECONDS * 1000,
      queryWaitMs: config.REFUND_QUERY_WAIT_SECONDS * 1000,
      reversalWindowMs: config.REFUND_REVERSAL_WINDOW_HOURS * 3600 * 1000,
    },
    refundAccount: (shop) => findRefundAccount(db, shop),
    daraja: (account) => clients(account), // keyed on base URL + consumer key + secret
    adminGraphql: adminGraphqlForShop,
    shopPaymentSettings: (shop) => getShopPaymentSettings(db, shop),
  };
}
