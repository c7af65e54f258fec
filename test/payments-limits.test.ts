import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient } from "../app/db.server";
import { createPushRateLimiter, type PushSubject } from "../app/modules/payments/rate-limits.server";
import { createOrder, eventually, pay, seedShop, startHarness, type Harness } from "./support/payments-harness";

// Limits on STK pushes per client IP, per order and per shop (per phone: payments-guards): each is
// answered 429 with Retry-After and nothing reaches Daraja; the counters live in the database, so
// two app instances share them.

const ORDER_SHOP = "limits-order.myshopify.com";
const IP_SHOP = "limits-ip.myshopify.com";
const BUSY_SHOP = "limits-shop.myshopify.com";
let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    appEnv: {
      TRUSTED_PROXIES: "loopback", // X-Forwarded-For names the client, as behind one load balancer on this host
      RATE_LIMIT_PER_ORDER: "2",
      RATE_LIMIT_PER_IP: "3",
      RATE_LIMIT_PER_SHOP: "4",
      RATE_LIMIT_PER_PHONE: "50",
    },
  });
  for (const shop of [ORDER_SHOP, IP_SHOP, BUSY_SHOP]) await seedShop(h.db, h.standin, shop);
});
afterAll(async () => {
  await h?.close();
});

const pushes = () => h.emulator.requests({ path: "/mpesa/stkpush/v1/processrequest" }).length;
const order = (shop: string) => createOrder(h.standin, { shop });
const counter = async (key: string) => (await h.db.rateLimiterFlexible.findUnique({ where: { key } }))?.points ?? 0;

function expectLimited(res: Awaited<ReturnType<typeof pay>>) {
  expect(res.status).toBe(429);
  expect(res.body.error.code).toBe("RATE_LIMITED");
  expect(Number(res.headers.get("Retry-After"))).toBeGreaterThan(0);
}

describe("rate limits end to end", () => {
  it("per order: the third prompt for one order within the window is refused", async () => {
    const o = order(ORDER_SHOP);
    for (let i = 0; i < 2; i++) {
      // 0032: cancelled at once, so each Pay is a new prompt rather than the live one returned again
      const res = await pay(h.app, o.id, "0712 350 032", { shop: ORDER_SHOP, ip: `198.51.100.${i + 1}` });
      expect(res.status).toBe(200);
      await eventually(
        async () =>
          (await h.db.paymentAttempt.findUniqueOrThrow({ where: { id: res.body.attempt.id } })).status === "CANCELLED",
        "cancelled",
      );
    }
    const before = pushes();
    expectLimited(await pay(h.app, o.id, "0712 350 032", { shop: ORDER_SHOP, ip: "198.51.100.9" }));
    expect(pushes()).toBe(before);
    // Refused before anything was consumed (M4a): the order's counter holds the two prompts only.
    expect(await counter(`stk:order:${ORDER_SHOP}|${o.id}`)).toBe(2);
    expect(await h.db.paymentAttempt.count({ where: { orderGid: o.id } })).toBe(2);
  });

  it("per client IP: a fourth Pay from one address is refused, another address still pays", async () => {
    const ip = "203.0.113.7";
    for (let i = 0; i < 3; i++) {
      expect((await pay(h.app, order(IP_SHOP).id, `0712 351 00${i + 5}`, { shop: IP_SHOP, ip })).status).toBe(200);
    }
    const before = pushes();
    expectLimited(await pay(h.app, order(IP_SHOP).id, "0712 351 009", { shop: IP_SHOP, ip }));
    expect(pushes()).toBe(before);
    expect(await counter(`stk:ip:${IP_SHOP}|${ip}`)).toBe(3); // per shop (M4c), refusal not counted (M4a)
    expect((await pay(h.app, order(IP_SHOP).id, "0712 351 009", { shop: IP_SHOP, ip: "203.0.113.8" })).status).toBe(
      200,
    );
  });

  it("per shop: the fifth prompt for one shop is refused whatever the IP, order and phone", async () => {
    for (let i = 0; i < 4; i++) {
      expect(
        (await pay(h.app, order(BUSY_SHOP).id, `0712 352 00${i + 5}`, { shop: BUSY_SHOP, ip: `192.0.2.${i + 1}` }))
          .status,
      ).toBe(200);
    }
    const before = pushes();
    expectLimited(await pay(h.app, order(BUSY_SHOP).id, "0712 352 010", { shop: BUSY_SHOP, ip: "192.0.2.50" }));
    expect(pushes()).toBe(before);
    expect(await counter(`stk:shop:${BUSY_SHOP}`)).toBe(4);
    expect(await h.db.paymentAttempt.count({ where: { shopDomain: BUSY_SHOP } })).toBe(4);
  });
});

describe("limits across app instances", () => {
  // Two instances = two Prisma clients (two connections) on this test file's database. The counter is
  // one atomic upsert-increment per consume, so racing instances never both get the last push.
  const config = {
    perPhone: 100,
    perIp: 100,
    perOrder: 4,
    perShop: 6,
    phonesPerOrder: 100,
    windowSeconds: 600,
    hashKey: "test-hash-key",
  };
  const subject = (i: number, same: Partial<PushSubject>): PushSubject => ({
    shop: `inst-${i}.myshopify.com`,
    orderGid: `gid://shopify/Order/${9000 + i}`,
    msisdn: `25471200${String(i).padStart(4, "0")}`,
    clientIp: `10.0.${i >> 8}.${i & 255}`,
    ...same,
  });

  it("per order and per shop: concurrent pushes through two instances are allowed exactly up to the limit", async () => {
    const a = createPrismaClient(process.env.DATABASE_URL);
    const b = createPrismaClient(process.env.DATABASE_URL);
    try {
      const limiters = [createPushRateLimiter(a, config), createPushRateLimiter(b, config)];
      const race = (n: number, same: Partial<PushSubject>, offset: number) =>
        Promise.all(Array.from({ length: n }, (_, i) => limiters[i % 2](subject(offset + i, same))));

      const byOrder = await race(10, { orderGid: "gid://shopify/Order/777", shop: "inst-order.myshopify.com" }, 0);
      expect(byOrder.filter((v) => v.allowed)).toHaveLength(4);
      expect(byOrder.filter((v) => !v.allowed).map((v) => (v.allowed ? null : v.limit))).toEqual(
        Array(6).fill("order"),
      );
      // The shared counter holds exactly the allowed pushes: every refused one gave its point back.
      expect(await counter("stk:order:inst-order.myshopify.com|gid://shopify/Order/777")).toBe(4);

      const byShop = await race(12, { shop: "inst-shop.myshopify.com" }, 100);
      expect(byShop.filter((v) => v.allowed)).toHaveLength(6);
      expect(byShop.every((v) => v.allowed || (v.limit === "shop" && v.retryAfterSeconds > 0))).toBe(true);
      expect(await counter("stk:shop:inst-shop.myshopify.com")).toBe(6);
    } finally {
      await Promise.all([a.$disconnect(), b.$disconnect()]);
    }
  });

  it("per IP: an address exhausted through one instance is refused by the other", async () => {
    const a = createPrismaClient(process.env.DATABASE_URL);
    const b = createPrismaClient(process.env.DATABASE_URL);
    try {
      const ipConfig = { ...config, perIp: 2 };
      const [first, second] = [createPushRateLimiter(a, ipConfig), createPushRateLimiter(b, ipConfig)];
      const ip = { clientIp: "100.64.0.1", shop: "inst-ip.myshopify.com" }; // IP buckets are per shop
      expect((await first(subject(500, ip))).allowed).toBe(true);
      expect((await second(subject(501, ip))).allowed).toBe(true);
      expect(await first(subject(502, ip))).toMatchObject({ allowed: false, limit: "ip" });
      expect(await second(subject(503, ip))).toMatchObject({ allowed: false, limit: "ip" });
      expect((await second(subject(504, { ...ip, clientIp: "100.64.0.2" }))).allowed).toBe(true);
    } finally {
      await Promise.all([a.$disconnect(), b.$disconnect()]);
    }
  });
});
