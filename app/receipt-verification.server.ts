import { env } from "./lib/env.server";
import { darajaClientFactory } from "./payments.server";
import {
  createVerifyRateLimiter,
  type RateLimitVerdict,
  type VerifySubject,
} from "./modules/payments/rate-limits.server";
import type { VerifyDeps } from "./modules/receipt-verification/request.server";
import { refundAccountOf } from "./modules/refunds/refund-account.server";
import { getShopDarajaConfig } from "./modules/settings/config.server";

// The production composition of "verify a payment by M-PESA code" (a composition root, like
// refunds.server.ts): the app database, the shared Daraja client factory, and the shop's initiator as
// refunds read it (refund-account.server.ts) — Transaction Status asks for the default account's shortcode.

let cached: Promise<VerifyDeps> | undefined;

export function verifyDeps(): Promise<VerifyDeps> {
  cached ??= build();
  return cached;
}

async function build(): Promise<VerifyDeps> {
  const config = env();
  const db = (await import("./db.server")).default;
  const clients = await darajaClientFactory();
  return {
    db,
    now: () => new Date(),
    config: {
      callbackBaseUrl: config.CALLBACK_BASE_URL ?? config.SHOPIFY_APP_URL,
      resultWaitMs: config.VERIFY_RESULT_WAIT_SECONDS * 1000,
    },
    initiator: async (shop) => {
      const daraja = await getShopDarajaConfig(db, shop);
      const account = refundAccountOf(daraja);
      return account && daraja ? { account, accountId: daraja.accountId } : null;
    },
    transactionStatus: (account, input) => clients(account).transactionStatus(input),
  };
}

let limiter: Promise<(subject: VerifySubject) => Promise<RateLimitVerdict>> | undefined;

/** The shopper's verify limits (VERIFY_LIMIT_*), on the shared database like the other shopper limits. */
export function consumeShopperVerify(subject: VerifySubject): Promise<RateLimitVerdict> {
  limiter ??= (async () => {
    const config = env();
    const db = (await import("./db.server")).default;
    return createVerifyRateLimiter(db, {
      perOrder: config.VERIFY_LIMIT_PER_ORDER,
      perIp: config.VERIFY_LIMIT_PER_IP,
      perShop: config.VERIFY_LIMIT_PER_SHOP,
      windowSeconds: config.VERIFY_LIMIT_WINDOW_SECONDS,
    });
  })();
  return limiter.then((consume) => consume(subject));
}
