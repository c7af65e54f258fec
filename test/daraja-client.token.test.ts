import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient } from "~/db.server";
import { PrismaTokenStore } from "~/modules/daraja/token-store.prisma.server";
import { createSecretBox } from "~/modules/settings/secret-box.server";
import { startEmulator, type Emulator } from "../emulator";
import { usableUntil } from "~/modules/daraja/access-token";
import {
  createDarajaClient,
  DarajaAuthError,
  InMemoryTokenStore,
  tokenCacheKey,
  type TokenStore,
} from "~/modules/daraja";

// Token lifecycle with an injected transport (the fetch a client is given) and an injected clock.

type Handler = (url: string, init: RequestInit) => { status: number; body: unknown };
function fakeFetch(handler: Handler) {
  const calls: string[] = [];
  const fn = (async (input: string | URL, init: RequestInit = {}) => {
    const url = String(input);
    calls.push(url.includes("/oauth/") ? "oauth" : new URL(url).pathname);
    const { status, body } = handler(url, init);
    return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
  }) as typeof fetch;
  return { fn, calls };
}

let issued = 0;
const oauthOk = (expires_in: unknown = "3599") => ({
  status: 200,
  body: { access_token: `tok-${++issued}`, expires_in },
});
const qrOk = {
  status: 200,
  body: { ResponseCode: "00", RequestID: "r", ResponseDescription: "ok", QRCode: "iVBORw0KGgo=" },
};
const qr = { merchantName: "Shop", refNo: "R1", amount: 1, trxCode: "PB" as const, cpi: "600984" };
const BASE = "https://sandbox.safaricom.co.ke";

function setup(
  handler: Handler,
  store: TokenStore = new InMemoryTokenStore(),
  start = Date.parse("2026-03-14T12:00:00Z"),
) {
  let now = start;
  const f = fakeFetch(handler);
  const client = createDarajaClient({
    baseUrl: BASE,
    consumerKey: "k",
    consumerSecret: "s",
    fetch: f.fn,
    tokenStore: store,
    clock: { now: () => new Date(now) },
  });
  return { client, calls: f.calls, advance: (ms: number) => (now += ms) };
}

describe("access token lifecycle", () => {
  it("retries an invalid-token answer exactly once, then gives up with a final error", async () => {
    const { client, calls } = setup((url) =>
      url.includes("/oauth/")
        ? oauthOk()
        : {
            status: 401,
            body: {
              requestId: "x",
              errorCode: "401.002.01",
              errorMessage: "Error Occurred - Invalid Access Token - t",
            },
          },
    );
    const err = await client.dynamicQr(qr).catch((e) => e);
    expect(err).toMatchObject({ errorCode: "401.002.01", kind: "final", httpStatus: 401, requestId: "x" });
    expect(calls).toEqual(["oauth", "/mpesa/qrcode/v1/generate", "oauth", "/mpesa/qrcode/v1/generate"]);
  });

  it("does not retry other errors", async () => {
    const { client, calls } = setup((url) =>
      url.includes("/oauth/")
        ? oauthOk()
        : { status: 400, body: { errorCode: "400.002.02", errorMessage: "Bad Request - Invalid Amount" } },
    );
    await expect(client.dynamicQr(qr)).rejects.toMatchObject({ kind: "final", errorCode: "400.002.02" });
    expect(calls).toEqual(["oauth", "/mpesa/qrcode/v1/generate"]);
  });

  it("refreshes shortly before expiry, by the injected clock; expires_in as a string or a number", async () => {
    const { client, calls, advance } = setup((url) => (url.includes("/oauth/") ? oauthOk(600) : qrOk));
    await client.dynamicQr(qr);
    advance(530_000); // 600 s lifetime, 60 s margin: still usable at 530 s
    await client.dynamicQr(qr);
    expect(calls.filter((c) => c === "oauth")).toHaveLength(1);
    advance(20_000); // 550 s: past 540 s, refreshed
    await client.dynamicQr(qr);
    expect(calls.filter((c) => c === "oauth")).toHaveLength(2);
    expect(usableUntil(new Date(0), "3599").getTime()).toBe((3599 - 60) * 1000);
    expect(usableUntil(new Date(0), "garbage").getTime()).toBe((3599 - 60) * 1000);
    expect(usableUntil(new Date(0), 10).getTime()).toBe(9000);
  });

  it("a stale token reported by one instance does not delete the fresh token another stored", async () => {
    const store = new InMemoryTokenStore();
    const key = tokenCacheKey({ baseUrl: BASE, consumerKey: "k", consumerSecret: "s" });
    await store.set(key, { token: "fresh", expiresAt: new Date(Date.now() + 3600_000) });
    await store.delete(key, "stale");
    expect((await store.get(key))?.token).toBe("fresh");
    await store.delete(key, "fresh");
    expect(await store.get(key)).toBeNull();
  });

  it("wrong key/secret: DarajaAuthError from either error envelope; concurrent callers share the failure", async () => {
    const { client, calls } = setup(() => ({
      status: 400,
      body: { resultCode: "999991", resultDesc: "Invalid client id passed" },
    }));
    const errors = await Promise.all([client.getAccessToken(), client.getAccessToken()].map((p) => p.catch((e) => e)));
    expect(errors[0]).toBeInstanceOf(DarajaAuthError);
    expect(errors[0]).toMatchObject({ errorCode: "999991", errorMessage: "Invalid client id passed", kind: "final" });
    expect(errors[1]).toBe(errors[0]);
    expect(calls).toEqual(["oauth"]);
  });
});

describe("M1: token cache keys", () => {
  it("M1: the cache key depends on the secret and the base URL, not only the consumer key", () => {
    const a = { baseUrl: BASE, consumerKey: "k", consumerSecret: "s" };
    const keys = new Set([
      tokenCacheKey(a),
      tokenCacheKey({ ...a, consumerSecret: "wrong" }),
      tokenCacheKey({ ...a, baseUrl: "https://api.safaricom.co.ke" }),
      tokenCacheKey(a, "hmac-key"),
      tokenCacheKey(a, "other-hmac-key"),
    ]);
    expect(keys.size).toBe(5);
    expect(tokenCacheKey({ ...a, baseUrl: `${BASE}/` })).toBe(tokenCacheKey(a));
    for (const key of keys) expect(key).not.toContain("k|");
  });

  it("M1: a client with the right key but a wrong secret does not get the cached token of the right secret", async () => {
    const store = new InMemoryTokenStore();
    const f = fakeFetch((_url, init) =>
      String((init.headers as Record<string, string>).Authorization).endsWith(Buffer.from("k:s").toString("base64"))
        ? oauthOk()
        : { status: 400, body: { errorCode: "400.008.01", errorMessage: "Invalid Authentication passed" } },
    );
    const right = createDarajaClient({
      baseUrl: BASE,
      consumerKey: "k",
      consumerSecret: "s",
      fetch: f.fn,
      tokenStore: store,
    });
    const wrong = createDarajaClient({
      baseUrl: BASE,
      consumerKey: "k",
      consumerSecret: "wrong",
      fetch: f.fn,
      tokenStore: store,
    });
    await right.getAccessToken();
    await expect(wrong.getAccessToken()).rejects.toBeInstanceOf(DarajaAuthError);
  });
});

const box = createSecretBox({ current: randomBytes(32).toString("base64") });

describe("PrismaTokenStore (shared by app instances)", () => {
  const db = createPrismaClient();
  afterAll(() => db.$disconnect());

  it("two clients with their own store objects over one table share one token", async () => {
    const handler: Handler = (url) => (url.includes("/oauth/") ? oauthOk() : qrOk);
    const a = setup(handler, new PrismaTokenStore(db, box));
    await a.client.dynamicQr(qr);
    const b = setup(handler, new PrismaTokenStore(db, box)); // another instance
    await b.client.dynamicQr(qr);
    expect(a.calls.filter((c) => c === "oauth")).toHaveLength(1);
    expect(b.calls.filter((c) => c === "oauth")).toHaveLength(0);
    const store = new PrismaTokenStore(db, box);
    const key = tokenCacheKey({ baseUrl: BASE, consumerKey: "k", consumerSecret: "s" });
    const token = (await store.get(key))!.token;
    await store.delete(key, "someone-elses-stale-token");
    expect((await store.get(key))?.token).toBe(token);
    await store.delete(key, token);
    expect(await store.get(key)).toBeNull();
  });
});

describe("L6: cached Daraja tokens are sealed at rest", () => {
  const db = createPrismaClient();
  afterAll(() => db.$disconnect());

  it("L6: the DarajaToken row holds an envelope, not the token; a row sealed under another key reads as absent", async () => {
    const key = tokenCacheKey({ baseUrl: BASE, consumerKey: "sealed-k", consumerSecret: "s" });
    await new PrismaTokenStore(db, box).set(key, {
      token: "plain-access-token-123",
      expiresAt: new Date(Date.now() + 3600_000),
    });
    const row = await db.darajaToken.findUniqueOrThrow({ where: { cacheKey: key } });
    expect(row.token).not.toContain("plain-access-token-123");
    expect(row.token).toMatch(/^v2\./);
    expect((await new PrismaTokenStore(db, box).get(key))?.token).toBe("plain-access-token-123");
    const otherKey = createSecretBox({ current: randomBytes(32).toString("base64") });
    expect(await new PrismaTokenStore(db, otherKey).get(key)).toBeNull();
  });
});

describe("one OAuth fetch per token lifetime across instances (refresh claim)", () => {
  let emu: Emulator;
  const dbs = [createPrismaClient(), createPrismaClient()]; // two app instances: two pools
  beforeAll(async () => {
    emu = await startEmulator({ latencyMs: 150 }); // a slow OAuth answer widens the race
  });
  afterAll(async () => {
    await emu?.close();
    await Promise.all(dbs.map((d) => d.$disconnect()));
  });

  it("two Prisma clients asking at once for the same credentials make one OAuth request", async () => {
    const creds = { consumerKey: "emulator-consumer-key", consumerSecret: "emulator-consumer-secret" };
    const before = emu.stats().oauthRequests;
    const clients = dbs.flatMap((db) =>
      [0, 1, 2].map(() =>
        createDarajaClient({ baseUrl: emu.url, ...creds, tokenStore: new PrismaTokenStore(db, box), timeoutMs: 5_000 }),
      ),
    );
    const tokens = await Promise.all(clients.map((c) => c.getAccessToken()));
    expect(new Set(tokens).size).toBe(1);
    expect(emu.stats().oauthRequests - before).toBe(1);
    const row = await dbs[0].darajaToken.findFirstOrThrow({ where: { token: { not: "" } } });
    expect(row.lockedUntil).toBeNull(); // the claim is released with the stored token
  });

  it("a claim left by a crashed instance stops blocking once its lease has passed", async () => {
    const creds = { consumerKey: "emulator-consumer-key", consumerSecret: "emulator-consumer-secret" };
    const key = tokenCacheKey({ baseUrl: emu.url, ...creds }, "crash-test");
    const store = new PrismaTokenStore(dbs[0], box);
    expect(await store.claimRefresh(key, new Date(), new Date(Date.now() - 1))).toBe(true); // lease already over
    const c = createDarajaClient({
      baseUrl: emu.url,
      ...creds,
      tokenStore: new PrismaTokenStore(dbs[1], box),
      tokenKeySecret: "crash-test",
    });
    expect(await c.getAccessToken()).toBeTruthy();
  });
});
