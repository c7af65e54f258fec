import crypto from "node:crypto";
import type { PrismaClient } from "@prisma/client";
import ipaddr from "ipaddr.js";
import { RateLimiterPrisma, RateLimiterRes } from "rate-limiter-flexible";
import { logger } from "../../lib/logger.server";

// Limits on STK pushes (Daraja itself throttles bursts and blocks repeat prompts to one phone) and on
// status polls. Counters live in the shared database (RateLimiterFlexible model), so they hold across
// app instances. Phone numbers are keyed by an HMAC, never stored raw.
//
// So that the limits cannot be turned against a shop or a shopper (issue 9 M4):
// - a Pay is checked against every limit first and consumes only when all pass (refused requests
//   spend nobody's budget); a race lost while consuming gives every point back;
// - the per-phone and per-IP buckets are per shop (five prompts at one shop leave that phone and
//   that address free elsewhere); IPv6 clients are keyed by their /64 (one subscriber's prefix);
// - a limiter store error refuses (fails closed, logged): the caller answers 503 with Retry-After.

export interface RateLimitConfig {
  perPhone: number;
  perIp: number;
  perOrder: number;
  perShop: number;
  /** Different phones one order may be pushed to, ever (RATE_LIMIT_PHONES_PER_ORDER). */
  phonesPerOrder: number;
  windowSeconds: number;
  hashKey: string | Buffer; // secret for hashing phone numbers into keys (lib/keys.server.ts hashingKey)
}

export interface PushSubject {
  shop: string;
  orderGid: string;
  msisdn: string;
  clientIp: string | null;
}

export type RateLimitVerdict =
  | { allowed: true }
  /** `limit` "store": the limiter's storage failed; "phones": the order's distinct-phone cap (permanent). */
  | { allowed: false; limit: string; retryAfterSeconds: number };

/** Retry-After when the limiter's store fails (the database is in trouble: ask again shortly). */
export const STORE_DOWN_RETRY_AFTER_SECONDS = 5;

type Check = { limit: string; limiter: RateLimiterPrisma; key: string };

const makeLimiter = (db: PrismaClient, keyPrefix: string, points: number, duration: number) =>
  new RateLimiterPrisma({
    storeClient: db,
    tableName: "rateLimiterFlexible", // the Prisma client property of model RateLimiterFlexible
    keyPrefix,
    points,
    duration,
  });

export function createPushRateLimiter(db: PrismaClient, config: RateLimitConfig) {
  const make = (keyPrefix: string, points: number) => makeLimiter(db, keyPrefix, points, config.windowSeconds);
  const limiters = {
    phone: make("stk:phone", config.perPhone),
    ip: make("stk:ip", config.perIp),
    order: make("stk:order", config.perOrder),
    shop: make("stk:shop", config.perShop),
  };
  const phoneKey = (msisdn: string) =>
    crypto.createHmac("sha256", config.hashKey).update(msisdn).digest("base64url").slice(0, 32);

  /**
   * Called once the request holds the order's live prompt (its attempt row exists), so the
   * distinct-phones count includes this request's phone.
   */
  return async function consumePush(subject: PushSubject): Promise<RateLimitVerdict> {
    const { shop } = subject;
    const ip = subject.clientIp ? clientIpKey(subject.clientIp) : null;
    const checks: Check[] = [
      { limit: "order", limiter: limiters.order, key: `${shop}|${subject.orderGid}` },
      { limit: "phone", limiter: limiters.phone, key: `${shop}|${phoneKey(subject.msisdn)}` },
      ...(ip ? [{ limit: "ip", limiter: limiters.ip, key: `${shop}|${ip}` }] : []),
      { limit: "shop", limiter: limiters.shop, key: shop },
    ];
    try {
      const phones = await distinctPhones(db, shop, subject.orderGid);
      if (phones > config.phonesPerOrder)
        return { allowed: false, limit: "phones", retryAfterSeconds: config.windowSeconds };
      return await checkThenConsume(checks);
    } catch (error) {
      return storeDown(error);
    }
  };
}

export interface StatusLimitConfig {
  perSession: number;
  perShop: number;
  windowSeconds: number;
}

export interface StatusSubject {
  shop: string;
  /** The extension's session (token `sid`), or what stands in for it (see payment-status.server.ts). */
  session: string;
}

/**
 * Limits on `/api/pay/status` (issue 9 M5). The session is counted first and the shop only for polls
 * the session limit allowed, so one noisy session cannot spend the shop's budget for everyone else.
 */
export function createStatusRateLimiter(db: PrismaClient, config: StatusLimitConfig) {
  const session = makeLimiter(db, "status:session", config.perSession, config.windowSeconds);
  const shop = makeLimiter(db, "status:shop", config.perShop, config.windowSeconds);
  return async function consumeStatusPoll(subject: StatusSubject): Promise<RateLimitVerdict> {
    try {
      for (const [limit, limiter, key] of [
        ["session", session, `${subject.shop}|${subject.session}`],
        ["shop", shop, subject.shop],
      ] as const) {
        const refused = await limiter.consume(key).then(
          () => null,
          (result: unknown) => {
            if (result instanceof RateLimiterRes) return refusal(limit, result);
            throw result;
          },
        );
        if (refused) return refused;
      }
      return { allowed: true };
    } catch (error) {
      return storeDown(error);
    }
  };
}

/**
 * Look at every bucket and refuse without spending if one is full; else consume them in order. A
 * race lost on a later bucket (another request took its last point between our look and our consume)
 * gives back every point this request counted, so a refused request never keeps a point. Races can
 * only under-admit (a point held for a moment turns another request away), never over-admit.
 */
async function checkThenConsume(checks: Check[]): Promise<RateLimitVerdict> {
  const current = await Promise.all(checks.map((c) => c.limiter.get(c.key)));
  const full = checks.findIndex((c, i) => (current[i]?.consumedPoints ?? 0) >= c.limiter.points);
  if (full >= 0) return refusal(checks[full].limit, current[full]!);

  const counted: Check[] = [];
  try {
    for (const check of checks) {
      counted.push(check); // a refused consume is counted by the store too
      await check.limiter.consume(check.key);
    }
    return { allowed: true };
  } catch (error) {
    const giveBack = error instanceof RateLimiterRes ? counted : counted.slice(0, -1);
    await Promise.all(giveBack.map((c) => c.limiter.reward(c.key, 1)));
    if (error instanceof RateLimiterRes) return refusal(counted[counted.length - 1].limit, error);
    throw error;
  }
}

function refusal(limit: string, result: RateLimiterRes): RateLimitVerdict {
  return { allowed: false, limit, retryAfterSeconds: Math.max(1, Math.ceil(result.msBeforeNext / 1000)) };
}

function storeDown(error: unknown): RateLimitVerdict {
  logger.error({ err: String(error) }, "rate limiter store error; refusing (fail closed)");
  return { allowed: false, limit: "store", retryAfterSeconds: STORE_DOWN_RETRY_AFTER_SECONDS };
}

/** How many different phones this order's attempts went to (erased phones no longer count). */
async function distinctPhones(db: PrismaClient, shop: string, orderGid: string): Promise<number> {
  const rows = await db.paymentAttempt.findMany({
    where: { shopDomain: shop, orderGid, msisdn: { not: null } },
    distinct: ["msisdn"],
    select: { msisdn: true },
  });
  return rows.length;
}

/**
 * The rate-limit key for a client address: IPv4 as is, IPv6 by its /64 (the prefix one subscriber or
 * host gets; the low 64 bits are the client's to change at will). IPv4-mapped IPv6 is read as IPv4.
 */
export function clientIpKey(ip: string): string {
  if (!ipaddr.isValid(ip)) return ip;
  const address = ipaddr.process(ip);
  if (address.kind() === "ipv4") return address.toString();
  const parts = (address as ipaddr.IPv6).parts.slice(0, 4);
  return `${new ipaddr.IPv6([...parts, 0, 0, 0, 0]).toString()}/64`;
}

export interface VerifyLimitConfig {
  perOrder: number;
  perIp: number;
  perShop: number;
  windowSeconds: number;
}

export interface VerifySubject {
  shop: string;
  orderGid: string;
  clientIp: string | null;
}

/**
 * Limits on the shopper's "verify by M-PESA code" (each try costs a Transaction Status): per order,
 * per client address (per shop) and per shop; checked first and consumed only when all pass, as a Pay.
 */
export function createVerifyRateLimiter(db: PrismaClient, config: VerifyLimitConfig) {
  const make = (keyPrefix: string, points: number) => makeLimiter(db, keyPrefix, points, config.windowSeconds);
  const limiters = {
    order: make("verify:order", config.perOrder),
    ip: make("verify:ip", config.perIp),
    shop: make("verify:shop", config.perShop),
  };
  return async function consumeVerify(subject: VerifySubject): Promise<RateLimitVerdict> {
    const { shop } = subject;
    const ip = subject.clientIp ? clientIpKey(subject.clientIp) : null;
    const checks: Check[] = [
      { limit: "order", limiter: limiters.order, key: `${shop}|${subject.orderGid}` },
      ...(ip ? [{ limit: "ip", limiter: limiters.ip, key: `${shop}|${ip}` }] : []),
      { limit: "shop", limiter: limiters.shop, key: shop },
    ];
    try {
      return await checkThenConsume(checks);
    } catch (error) {
      return storeDown(error);
    }
  };
}
