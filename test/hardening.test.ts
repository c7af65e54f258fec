import http from "node:http";
import { Session } from "@shopify/shopify-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { secretBoxFromEnv } from "../app/modules/settings/config.server";
import { SealedPrismaSessionStorage } from "../app/modules/shopify/session-storage.server";
import { startAppServer } from "./support/app-server";
import {
  ACCESS_TOKEN,
  createOrder,
  eventually,
  lastCallbackUrl,
  pay,
  postCallback,
  seedShop,
  startHarness,
  stkCallbackBody,
  type Harness,
} from "./support/payments-harness";

// Issue 9 findings M1, M2, M6, L4, L6 through the built app's real HTTP routes (the emulator and the
// Admin stand-in behind it).

const WRONG_SECRET_SHOP = "mpesa-borrowed-key.myshopify.com";
const PROD_SHOP = "mpesa-hardening-prod.myshopify.com";
const SEALED_SHOP = "mpesa-sealed-session.myshopify.com";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    // A proxy at 10.255.255.1 is trusted for one hop; the tests connect directly from 127.0.0.1.
    appEnv: { TRUSTED_PROXIES: "10.255.255.1", TRUSTED_PROXY_HOPS: "1", REQUEST_MAX_BYTES: "65536" },
  });
  await seedShop(h.db, h.standin, WRONG_SECRET_SHOP, {
    consumerKey: "emulator-consumer-key",
    consumerSecret: "not-the-secret",
  });
  await seedShop(h.db, h.standin, PROD_SHOP, { environment: "production" });
  await seedShop(h.db, h.standin, SEALED_SHOP);
});
afterAll(async () => {
  await h?.close();
});

const pushes = () => h.emulator.requests({ path: "/mpesa/stkpush/v1/processrequest" }).length;

describe("M1: Daraja tokens are keyed by the whole credential set", () => {
  it("M1: a tenant saving another tenant's consumer key with a wrong secret gets no STK push through", async () => {
    // The real owner of the key pays first: its token is cached.
    const owner = await pay(h.app, createOrder(h.standin), "0712 400 001");
    expect(owner.body.attempt.status).toBe("PENDING");
    expect(await h.db.darajaToken.count({ where: { token: { not: "" } } })).toBeGreaterThan(0);

    const before = pushes();
    const order = h.standin.createOrder({
      shop: WRONG_SECRET_SHOP,
      total: "1500.00",
      currencyCode: "KES",
      paymentGatewayNames: ["M-PESA"],
    } as any);
    const res = await pay(h.app, order, "0712 400 002", { shop: WRONG_SECRET_SHOP });
    expect(pushes()).toBe(before); // nothing sent to M-PESA
    expect(res.body?.attempt?.status).not.toBe("PENDING");
    const attempt = await h.db.paymentAttempt.findFirstOrThrow({ where: { shopDomain: WRONG_SECRET_SHOP } });
    expect(attempt.status).toBe("FAILED");
    expect(attempt.checkoutRequestId).toBeNull();
  });

  it("L6: the cached Daraja token is sealed in the database", async () => {
    const rows = await h.db.darajaToken.findMany({ where: { token: { not: "" } } });
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row.token).toMatch(/^v2\./);
      expect(row.cacheKey).not.toContain("emulator-consumer-key");
    }
  });
});

describe("L6: offline session tokens are sealed at rest", () => {
  it("L6: a sealed offline session is stored as an envelope and the app pays with it", async () => {
    const storage = new SealedPrismaSessionStorage(h.db, secretBoxFromEnv());
    await h.db.session.delete({ where: { id: `offline_${SEALED_SHOP}` } });
    const session = new Session({
      id: `offline_${SEALED_SHOP}`,
      shop: SEALED_SHOP,
      state: "",
      isOnline: false,
      scope: "read_orders,write_orders",
      accessToken: ACCESS_TOKEN,
    });
    expect(await storage.storeSession(session)).toBe(true);
    const row = await h.db.session.findUniqueOrThrow({ where: { id: `offline_${SEALED_SHOP}` } });
    expect(row.accessToken).not.toContain(ACCESS_TOKEN);
    expect(row.accessToken).toMatch(/^v2\./);
    expect((await storage.loadSession(session.id))?.accessToken).toBe(ACCESS_TOKEN);

    // The app reads the Admin API token through the same storage: the order loads, the push goes out.
    const order = h.standin.createOrder({
      shop: SEALED_SHOP,
      total: "900.00",
      currencyCode: "KES",
      paymentGatewayNames: ["M-PESA"],
    } as any);
    const res = await pay(h.app, order, "0712 400 003", { shop: SEALED_SHOP });
    expect(res.status).toBe(200);
    expect(res.body.attempt).toMatchObject({ status: "PENDING", amountKes: 900 });
  });
});

/**
 * A POST that declares `declaredBytes` and sends only its first 64 KiB (the server must answer from the
 * headers alone), or a chunked body of `chunkedBytes` without any length.
 */
function hugePost(
  url: string,
  opts: { declaredBytes?: number; chunkedBytes?: number },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = {
      "Content-Type": "application/json",
      "X-Shopify-Hmac-Sha256": "bm90LWEtcmVhbC1obWFj",
      "X-Shopify-Topic": "app/uninstalled",
      "X-Shopify-Shop-Domain": "mpesa-pay-shop.myshopify.com",
      "X-Shopify-Webhook-Id": "huge-1",
      "X-Shopify-API-Version": "2026-07",
    };
    if (opts.declaredBytes) headers["Content-Length"] = opts.declaredBytes;
    const req = http.request(url, { method: "POST", headers }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      const done = () => {
        resolve({ status: res.statusCode ?? 0, body });
        req.destroy(); // stop uploading: the answer is in
      };
      res.on("end", done);
      res.on("error", done);
    });
    req.on("error", (e) => (req.destroyed ? undefined : reject(e)));
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    if (opts.declaredBytes) {
      req.write(chunk); // and wait: 300 MiB never follow
      return;
    }
    let sent = 0;
    const pump = () => {
      while (sent < (opts.chunkedBytes ?? 0)) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once("drain", pump);
      }
      req.end();
    };
    pump();
  });
}

describe("M2: request bodies are capped ahead of Remix", () => {
  it("M2: a 300 MiB webhook POST with a bogus HMAC gets 413 without being read, and the server stays up", async () => {
    const res = await hugePost(`${h.app.url}/webhooks/app/uninstalled`, { declaredBytes: 300 * 1024 * 1024 });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: "PAYLOAD_TOO_LARGE" } });
    expect((await fetch(`${h.app.url}/healthz`)).status).toBe(200);
  });

  it("M2: a streamed (chunked) body over the cap is refused too, and the server stays up", async () => {
    const res = await hugePost(`${h.app.url}/webhooks/app/uninstalled`, { chunkedBytes: 256 * 1024 }); // 4× the cap
    expect(res.status).toBe(413);
    expect((await fetch(`${h.app.url}/healthz`)).status).toBe(200);
  });

  it("M2: bodies under the cap still reach the routes (a bogus HMAC is still a 401)", async () => {
    const res = await fetch(`${h.app.url}/webhooks/app/uninstalled`, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "X-Shopify-Hmac-Sha256": "bm9wZQ==",
        "X-Shopify-Topic": "app/uninstalled",
        "X-Shopify-Shop-Domain": "mpesa-pay-shop.myshopify.com",
        "X-Shopify-Webhook-Id": "small-1",
        "X-Shopify-API-Version": "2026-07",
      },
      body: JSON.stringify({ id: 1 }),
    });
    expect(res.status).toBe(401);
  });

  it("M2: the callback routes keep their own limit: a body over REQUEST_MAX_BYTES reaches the route, which stores its first bytes", async () => {
    const before = await h.db.callbackLog.count();
    const res = await postCallback(
      `${h.app.url}/daraja/stk/${"B".repeat(32)}`,
      JSON.stringify({ pad: "x".repeat(100 * 1024) }),
    );
    expect(res.body?.error?.code).not.toBe("PAYLOAD_TOO_LARGE"); // answered by the route, in Daraja's terms
    expect(await h.db.callbackLog.count()).toBe(before + 1);
    const row = await h.db.callbackLog.findFirstOrThrow({ orderBy: { receivedAt: "desc" } });
    expect(row.body.length).toBeLessThanOrEqual(64 * 1024); // CALLBACK_MAX_BYTES, not the whole 100 KiB
  });
});

describe("M6: X-Forwarded-For only from configured proxies", () => {
  it("M6: a direct request claiming a Safaricom address fails the callback allowlist", async () => {
    const order = h.standin.createOrder({
      shop: PROD_SHOP,
      total: "1500.00",
      currencyCode: "KES",
      paymentGatewayNames: ["M-PESA"],
    } as any);
    h.emulator.setNextOutcome({ api: "stk", outcome: "no_callback" } as any);
    const res = await pay(h.app, order, "0712 400 010", { shop: PROD_SHOP });
    expect(res.status).toBe(200);
    const attempt = await h.db.paymentAttempt.findUniqueOrThrow({ where: { id: res.body.attempt.id } });
    await postCallback(
      lastCallbackUrl(h.emulator),
      stkCallbackBody(attempt.checkoutRequestId!, { receipt: "TSTM6SPOOF" }),
      {
        "X-Forwarded-For": "196.201.214.200", // one of Safaricom's published callback addresses
      },
    );
    const log = await eventually(
      () => h.db.callbackLog.findFirst({ where: { attemptId: attempt.id } }),
      "callback stored",
    );
    expect(log.status).toBe("REJECTED");
    expect(log.sourceIp).toBe("127.0.0.1");
    expect((await h.db.paymentAttempt.findUniqueOrThrow({ where: { id: attempt.id } })).status).toBe("PENDING");
    expect(await h.db.mpesaReceipt.count({ where: { receipt: "TSTM6SPOOF" } })).toBe(0);
  });
});

describe("L4: sandbox mode only on loopback", () => {
  it("L4: the app refuses to start in sandbox mode when bound to every interface", async () => {
    const started = startAppServer({ ...h.appEnv, SANDBOX_MODE: "true", HOST: "0.0.0.0" });
    await expect(started).rejects.toThrow(/only runs bound to loopback/);
  });
});
