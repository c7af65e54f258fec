import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createOrder,
  eventually,
  pay,
  payStatus,
  seedShop,
  sessionToken,
  SHOP,
  startHarness,
  type Harness,
} from "./support/payments-harness";

// Issue 9 M4 (rate limits that cannot be turned against a shop or a shopper) and M5 (the status poll
// limited, and served from what the app already knows), through the real routes of the built app.

const OTHER_SHOP = "lever-other.myshopify.com";
const POLL_SHOP = "lever-polls.myshopify.com";
let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    appEnv: {
      TRUSTED_PROXIES: "loopback", // X-Forwarded-For names the client, as behind one load balancer on this host
      RATE_LIMIT_PER_ORDER: "3",
      RATE_LIMIT_PER_IP: "2",
      RATE_LIMIT_PER_PHONE: "2",
      RATE_LIMIT_PER_SHOP: "500",
      STATUS_LIMIT_PER_SESSION: "5",
      STATUS_LIMIT_PER_SHOP: "45",
      ORDER_CACHE_SECONDS: "30",
    },
  });
  for (const shop of [OTHER_SHOP, POLL_SHOP]) await seedShop(h.db, h.standin, shop);
});
afterAll(async () => {
  await h?.close();
});

const pushes = () => h.emulator.requests({ path: "/mpesa/stkpush/v1/processrequest" }).length;
const counter = async (key: string) => (await h.db.rateLimiterFlexible.findUnique({ where: { key } }))?.points ?? 0;
let phoneSeq = 0;
/** A fresh phone per Pay unless a test is about phones (ending 0032: the emulator cancels at once). */
const freshPhone = () => `0713 ${String(phoneSeq++).padStart(2, "0")}0 032`; // 07130N0032

describe("M4: rate limits as a lever", () => {
  it("M4a: ten Pays refused by another limit spend none of the victim order's budget", async () => {
    const ip = "198.51.100.40";
    for (let i = 0; i < 2; i++)
      expect((await pay(h.app, createOrder(h.standin).id, freshPhone(), { ip })).status).toBe(200);
    const victim = createOrder(h.standin);
    const before = pushes();
    for (let i = 0; i < 10; i++) {
      const refused = await pay(h.app, victim.id, freshPhone(), { ip });
      expect(refused.status).toBe(429);
    }
    expect(pushes()).toBe(before);
    expect(await counter(`stk:order:${SHOP}|${victim.id}`)).toBe(0);
    // The buyer, from their own address, still has the order's whole budget.
    for (let i = 0; i < 3; i++) {
      const res = await pay(h.app, victim.id, freshPhone(), { ip: `198.51.100.${41 + i}` });
      expect(res.status).toBe(200);
      await eventually(
        async () =>
          (await h.db.paymentAttempt.findUniqueOrThrow({ where: { id: res.body.attempt.id } })).status === "CANCELLED",
        "cancelled",
      );
    }
  });

  it("M4b: IPv6 clients are limited by their /64, not per address", async () => {
    const net = "2001:db8:4:7";
    expect((await pay(h.app, createOrder(h.standin).id, freshPhone(), { ip: `${net}::1` })).status).toBe(200);
    expect((await pay(h.app, createOrder(h.standin).id, freshPhone(), { ip: `${net}:ffff::9` })).status).toBe(200);
    const before = pushes();
    const third = await pay(h.app, createOrder(h.standin).id, freshPhone(), { ip: `${net}:1234:5678:9abc:def0` });
    expect(third.status).toBe(429);
    expect(Number(third.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(pushes()).toBe(before);
    // The neighbouring /64 is another subscriber.
    expect((await pay(h.app, createOrder(h.standin).id, freshPhone(), { ip: "2001:db8:4:8::1" })).status).toBe(200);
  });

  it("M4c: an address's budget at one shop leaves it free at another shop", async () => {
    const ip = "203.0.113.60";
    for (let i = 0; i < 2; i++)
      expect((await pay(h.app, createOrder(h.standin).id, freshPhone(), { ip })).status).toBe(200);
    expect((await pay(h.app, createOrder(h.standin).id, freshPhone(), { ip })).status).toBe(429);
    const elsewhere = await pay(h.app, createOrder(h.standin, { shop: OTHER_SHOP }).id, freshPhone(), {
      ip,
      shop: OTHER_SHOP,
    });
    expect(elsewhere.status).toBe(200);
  });

  it("M4e: a phone's prompts at one shop leave it free at another shop", async () => {
    const phone = "0712 347 100";
    for (let i = 0; i < 2; i++) {
      expect((await pay(h.app, createOrder(h.standin).id, phone, { ip: `192.0.2.${70 + i}` })).status).toBe(200);
    }
    expect((await pay(h.app, createOrder(h.standin).id, phone, { ip: "192.0.2.72" })).status).toBe(429);
    const elsewhere = await pay(h.app, createOrder(h.standin, { shop: OTHER_SHOP }).id, phone, {
      ip: "192.0.2.73",
      shop: OTHER_SHOP,
    });
    expect(elsewhere.status).toBe(200);
  });

  it("M4d: a limiter store failure refuses the push (503 + Retry-After), logs it, and leaves nothing behind", async () => {
    const order = createOrder(h.standin);
    const before = pushes();
    // The limiter's table goes missing under a running app: every limiter call fails. (Renamed while
    // the app is stopped: SQLite refuses DDL while the app's connection is busy.)
    await h.app.stop();
    await h.db.$executeRawUnsafe(`ALTER TABLE "RateLimiterFlexible" RENAME TO "RateLimiterFlexible_away"`);
    try {
      await h.restart();
      const res = await pay(h.app, order.id, freshPhone(), { ip: "192.0.2.90" });
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe("TEMPORARILY_UNAVAILABLE");
      expect(Number(res.headers.get("Retry-After"))).toBeGreaterThan(0);
      const poll = await payStatus(h.app, order.id, { ip: "192.0.2.90" });
      expect(poll.status).toBe(503);
      expect(Number(poll.headers.get("Retry-After"))).toBeGreaterThan(0);
      expect(h.app.output()).toContain("rate limiter store error; refusing (fail closed)");
    } finally {
      await h.app.stop();
      await h.db.$executeRawUnsafe(`ALTER TABLE "RateLimiterFlexible_away" RENAME TO "RateLimiterFlexible"`);
      await h.restart();
    }
    expect(pushes()).toBe(before);
    expect(await h.db.paymentAttempt.count({ where: { orderGid: order.id } })).toBe(0);
    // Once the store is back, the order can be paid.
    expect((await pay(h.app, order.id, freshPhone(), { ip: "192.0.2.91" })).status).toBe(200);
  }, 60_000);
});

describe("M5: the status poll", () => {
  const orderReads = (orderGid: string) =>
    h.standin
      .requests()
      .filter((r) => r.operationName === "OrderForPayment" && JSON.stringify(r.variables).includes(orderGid)).length;

  it("M5: 40 polls of one order cost a bounded number of Admin API requests", async () => {
    const order = createOrder(h.standin, { shop: POLL_SHOP });
    const token = () => sessionToken(POLL_SHOP); // a session of its own per poll: only the cache saves work here
    for (let i = 0; i < 40; i++) {
      const res = await payStatus(h.app, order.id, { token: await token() });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ payable: true, order: { name: order.name } });
    }
    expect(orderReads(order.id)).toBeLessThanOrEqual(2);
  });

  it("M5: a settled payment shows at once although the order read is cached", async () => {
    const order = createOrder(h.standin);
    expect((await payStatus(h.app, order.id, { ip: "192.0.2.100" })).body.payable).toBe(true); // cached now
    const res = await pay(h.app, order.id, "0712 347 200", { ip: "192.0.2.101" });
    expect(res.status).toBe(200);
    await eventually(
      async () =>
        (await h.db.paymentAttempt.findUniqueOrThrow({ where: { id: res.body.attempt.id } })).status === "SUCCEEDED",
      "paid",
    );
    const after = await payStatus(h.app, order.id, { ip: "192.0.2.102" });
    expect(after.body).toMatchObject({
      payable: false,
      reason: "ALREADY_PAID",
      attempt: { status: "SUCCEEDED", receipt: expect.any(String) },
    });
  });

  it("M5: polls are limited per session (429 + Retry-After); other sessions go on", async () => {
    const order = createOrder(h.standin);
    const mine = await sessionToken(SHOP, { sid: "lever-session-1" });
    for (let i = 0; i < 5; i++) expect((await payStatus(h.app, order.id, { token: mine })).status).toBe(200);
    const limited = await payStatus(h.app, order.id, { token: mine });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe("RATE_LIMITED");
    expect(Number(limited.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(
      (await payStatus(h.app, order.id, { token: await sessionToken(SHOP, { sid: "lever-session-2" }) })).status,
    ).toBe(200);
  });

  it("M5: polls are limited per shop, and a session's refused polls do not spend the shop's budget", async () => {
    const shop = "lever-busy.myshopify.com";
    await seedShop(h.db, h.standin, shop);
    const order = createOrder(h.standin, { shop });
    const noisy = await sessionToken(shop, { sid: "noisy" });
    for (let i = 0; i < 20; i++) await payStatus(h.app, order.id, { token: noisy }); // 5 allowed, 15 refused
    expect(await counter(`status:shop:${shop}`)).toBe(5);
    for (let i = 0; i < 40; i++)
      expect((await payStatus(h.app, order.id, { token: await sessionToken(shop) })).status).toBe(200);
    const limited = await payStatus(h.app, order.id, { token: await sessionToken(shop) });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("Retry-After"))).toBeGreaterThan(0);
  });
});
