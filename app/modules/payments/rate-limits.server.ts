import crypto from "node:crypto";
import type { PrismaClient } from "@prisma/client";
import { RateLimiterPrisma, RateLimiterRes } from "rate-limiter-flexible";
import { logger } from "../../lib/logger.server";

// Limits on STK pushes (reference daraja.md §10.8: Daraja itself throttles bursts and blocks repeat
// prompts to one phone). Counters live in the shared database (RateLimiterFlexible model), so they
// hold across app instances. Phone numbers are keyed by an HMAC, never stored raw.

export interface RateLimitConfig {
  perPhone: number;
  perIp: number;
  perOrder: number;
  perShop: number;
  windowSeconds: number;
  hashKey: string; // secret for hashing phone numbers into keys
}

export interface PushSubject {
  shop: string;
  orderGid: string;
  msisdn: string;
  clientIp: string | null;
}

export type RateLimitVerdict = { allowed: true } | { allowed: false; limit: string; retryAfterSeconds: number };

export function createPushRateLimiter(db: PrismaClient, config: RateLimitConfig) {
  const make = (keyPrefix: string, points: number) =>
    new RateLimiterPrisma({
      storeClient: db,
      tableName: "rateLimiterFlexible", // the Prisma client property of model RateLimiterFlexible
      keyPrefix,
      points,
      duration: config.windowSeconds,
    });
  const limiters = {
    phone: make("stk:phone", config.perPhone),
    ip: make("stk:ip", config.perIp),
    order: make("stk:order", config.perOrder),
    shop: make("stk:shop", config.perShop),
  };
  const phoneKey = (msisdn: string) =>
    crypto.createHmac("sha256", config.hashKey).update(msisdn).digest("base64url").slice(0, 32);

  /** Consumes one push from every applicable limit; stops at the first one exhausted. */
  return async function consumePush(subject: PushSubject): Promise<RateLimitVerdict> {
    const checks: [string, RateLimiterPrisma, string | null][] = [
      ["order", limiters.order, `${subject.shop}|${subject.orderGid}`],
      ["phone", limiters.phone, phoneKey(subject.msisdn)],
      ["ip", limiters.ip, subject.clientIp],
      ["shop", limiters.shop, subject.shop],
    ];
    for (const [limit, limiter, key] of checks) {
      if (!key) continue;
      try {
        await limiter.consume(key);
      } catch (result) {
        if (result instanceof RateLimiterRes) {
          return { allowed: false, limit, retryAfterSeconds: Math.max(1, Math.ceil(result.msBeforeNext / 1000)) };
        }
        // The store failed: the database is in trouble and the attempt insert will say so; do not
        // turn a storage hiccup into a refusal here.
        logger.warn({ err: String(result), limit }, "rate limiter store error; allowing");
      }
    }
    return { allowed: true };
  };
}
