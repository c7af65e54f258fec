import { env } from "./lib/env.server";
import { darajaClientFactory } from "./payments.server";
import type { PullRegisterDeps } from "./modules/reconciliation/pull/register.server";
import type { PullDeps } from "./modules/reconciliation/pull/run.server";
import { getShopDarajaConfig } from "./modules/settings/config.server";

// The production composition of Pull Transactions (a composition root, like payments.server.ts): the app
// database, the shop's account configuration and the payments' shared Daraja client factory (one OAuth
// token per credential set).

let cached: Promise<PullDeps & PullRegisterDeps> | undefined;

export function pullDeps(): Promise<PullDeps & PullRegisterDeps> {
  cached ??= build();
  return cached;
}

async function build(): Promise<PullDeps & PullRegisterDeps> {
  const config = env();
  const db = (await import("./db.server")).default;
  const clients = await darajaClientFactory();
  return {
    db,
    now: () => new Date(),
    shopConfig: (shop, accountId) => getShopDarajaConfig(db, shop, { accountId }),
    pullClient: (c) => clients(c),
    pullRegisterClient: (c) => clients(c),
    callbackBaseUrl: config.CALLBACK_BASE_URL ?? config.SHOPIFY_APP_URL,
    config: {
      pageSize: config.PULL_PAGE_SIZE,
      // Longer than a pull of 50 pages may take (each Daraja call is bounded by DARAJA_TIMEOUT_MS).
      leaseMs: Math.max(120_000, config.DARAJA_TIMEOUT_MS * 4),
    },
  };
}
