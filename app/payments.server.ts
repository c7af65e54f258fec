import { env } from "./lib/env.server";
import { hashingKey } from "./lib/keys.server";
import { logger } from "./lib/logger.server";
import { timedDarajaFetch } from "./lib/metrics.server";
import { createDarajaClient, tokenCacheKey, type DarajaClient } from "./modules/daraja";
import { PrismaTokenStore } from "./modules/daraja/token-store.prisma.server";
import {
  getShopDarajaConfig,
  getShopPaymentSettings,
  secretBoxFromEnv,
  type ShopDarajaConfig,
} from "./modules/settings/config.server";
import { adminGraphqlForShop } from "./shopify-admin.server";
import { callbackAllowlist } from "./modules/daraja-events/common/callback-source.server";
import type { PaymentsDeps } from "./modules/payments/deps.server";
import { createOrderReads } from "./modules/payments/order-reads.server";
import { createPushRateLimiter, createStatusRateLimiter } from "./modules/payments/rate-limits.server";

// The production composition of the payment flow: the app database, Daraja clients per shop
// credentials (one shared OAuth token per key through the DarajaToken table), the shop's offline
// Admin API session, and the database-backed rate limits.

let cached: Promise<PaymentsDeps> | undefined;

/** "Not in Shopify yet" is remembered only briefly: the extension backs off from 1 s while the order is created. */
const ORDER_NOT_FOUND_CACHE_MS = 1_000;
/** Orders cached per instance (each entry is one small order view). */
const ORDER_CACHE_MAX_ORDERS = 5_000;

export function paymentsDeps(): Promise<PaymentsDeps> {
  cached ??= build();
  return cached;
}

type Credentials = Pick<ShopDarajaConfig, "baseUrl" | "consumerKey" | "consumerSecret">;
let sharedDaraja: ((config: Credentials) => DarajaClient) | undefined;

/**
 * The full Daraja client of one credential set, the same one payments use (one OAuth token shared by
 * every caller and instance): for settings calls such as Register URLs, which must not fetch tokens of
 * their own (a new token may revoke the one in use).
 */
export async function sharedDarajaClient(config: Credentials): Promise<DarajaClient> {
  await paymentsDeps();
  return sharedDaraja!(config);
}

async function build(): Promise<PaymentsDeps> {
  const config = env();
  const db = (await import("./db.server")).default;
  const clients = new Map<string, DarajaClient>();
  const tokenStore = new PrismaTokenStore(db, secretBoxFromEnv(config)); // tokens sealed at rest
  const tokenKeySecret = hashingKey(config);
  const daraja = (shop: Credentials) => {
    const key = tokenCacheKey(shop, tokenKeySecret); // one client per credential set
    let client = clients.get(key);
    if (!client) {
      client = createDarajaClient({
        baseUrl: shop.baseUrl,
        consumerKey: shop.consumerKey,
        consumerSecret: shop.consumerSecret,
        timeoutMs: config.DARAJA_TIMEOUT_MS,
        tokenStore,
        tokenKeySecret,
        logger,
        fetch: timedDarajaFetch(),
      });
      clients.set(key, client);
    }
    return client;
  };
  sharedDaraja = daraja;
  return {
    db,
    now: () => new Date(),
    config: {
      callbackBaseUrl: config.CALLBACK_BASE_URL ?? config.SHOPIFY_APP_URL,
      verifyWithQuery: config.STK_VERIFY_WITH_QUERY,
      darajaTimeoutMs: config.DARAJA_TIMEOUT_MS,
      recoveryAfterMs: config.PENDING_RECOVERY_AFTER_SECONDS * 1000,
      recoveryIntervalMs: config.PENDING_RECOVERY_INTERVAL_SECONDS * 1000,
      recoveryMaxQueries: config.PENDING_RECOVERY_MAX_QUERIES,
      callbackAllowlist: callbackAllowlist(config.CALLBACK_IP_ALLOWLIST),
      stkAnswerWaitMs: config.STK_ANSWER_WAIT_MS,
      stkAnswerGraceMs: config.STK_ANSWER_GRACE_MS,
      recordClaimMs: config.SHOPIFY_RECORD_CLAIM_SECONDS * 1000,
      payRetryAfterSeconds: config.PAY_RETRY_AFTER_SECONDS,
    },
    shopConfig: (shop, accountId) => getShopDarajaConfig(db, shop, { accountId }),
    shopPaymentSettings: (shop) => getShopPaymentSettings(db, shop),
    daraja,
    adminGraphql: adminGraphqlForShop, // every call time-limited (SHOPIFY_ADMIN_TIMEOUT_MS)
    orders: createOrderReads(adminGraphqlForShop, {
      ttlMs: config.ORDER_CACHE_SECONDS * 1000,
      notFoundTtlMs: ORDER_NOT_FOUND_CACHE_MS,
      max: ORDER_CACHE_MAX_ORDERS,
    }),
    consumePush: createPushRateLimiter(db, {
      perPhone: config.RATE_LIMIT_PER_PHONE,
      perIp: config.RATE_LIMIT_PER_IP,
      perOrder: config.RATE_LIMIT_PER_ORDER,
      perShop: config.RATE_LIMIT_PER_SHOP,
      phonesPerOrder: config.RATE_LIMIT_PHONES_PER_ORDER,
      windowSeconds: config.RATE_LIMIT_WINDOW_SECONDS,
      hashKey: tokenKeySecret,
    }),
    consumeStatusPoll: createStatusRateLimiter(db, {
      perSession: config.STATUS_LIMIT_PER_SESSION,
      perShop: config.STATUS_LIMIT_PER_SHOP,
      windowSeconds: config.STATUS_LIMIT_WINDOW_SECONDS,
    }),
  };
}
