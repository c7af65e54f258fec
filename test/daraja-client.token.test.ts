import { afterAll, describe, expect, it } from "vitest";
import { createPrismaClient } from "~/db.server";
import { PrismaTokenStore } from "~/modules/daraja/token-store.prisma.server";
import { usableUntil } from "~/modules/daraja/access-token";
import { createDarajaClient, DarajaAuthError, InMemoryTokenStore, tokenCacheKey, type TokenStore } from "~/modules/daraja";

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
const oauthOk = (expires_in: unknown = "3599") => ({ status: 200, body: { access_token: `tok-${++issued}`, expires_in } });
const qrOk = { status: 200, body: { ResponseCode: "00", RequestID: "r", ResponseDescription: "ok", QRCode: "iVBORw0KGgo=" } };
const qr = { merchantName: "Shop", refNo: "R1", amount: 1, trxCode: "PB" as const, cpi: "600984" };
const BASE = "https://sandbox.safaricom.co.ke";

function setup(handler: Handler, store: TokenStore = new InMemoryTokenStore(), start = Date.parse("2026-03-14T12:00:00Z")) {
  let now = start;
  const f = fakeFetch(handler);
  const client = createDarajaClient({ baseUrl: BASE, consumerKey: "k", consumerSecret: "s", fetch: f.fn, tokenStore: store, clock: { now: () => new Date(now) } });
  return { client, calls: f.calls, advance: (ms: number) => (now += ms) };
}

describe("access token lifecycle", () => {
  it("retries an invalid-token answer exactly once, then gives up with a final error", async () => {
    const { client, calls } = setup((url) =>
      url.includes("/oauth/") ? oauthOk() : { status: 401, body: { requestId: "x", errorCode: "401.002.01", errorMessage: "Error Occurred - Invalid Access Token - t" } },
    );
    const err = await client.dynamicQr(qr).catch((e) => e);
    expect(err).toMatchObject({ errorCode: "401.002.01", kind: "final", httpStatus: 401, requestId: "x" });
    expect(calls).toEqual(["oauth", "/mpesa/qrcode/v1/generate", "oauth", "/mpesa/qrcode/v1/generate"]);
  });

  it("does not retry other errors", async () => {
    const { client, calls } = setup((url) =>
      url.includes("/oauth/") ? oauthOk() : { status: 400, body: { errorCode: "400.002.02", errorMessage: "Bad Request - Invalid Amount" } },
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
    const key = tokenCacheKey(BASE, "k");
    await store.set(key, { token: "fresh", expiresAt: new Date(Date.now() + 3600_000) });
    await store.delete(key, "stale");
    expect((await store.get(key))?.token).toBe("fresh");
    await store.delete(key, "fresh");
    expect(await store.get(key)).toBeNull();
  });

  it("wrong key/secret: DarajaAuthError from either error envelope; concurrent callers share the failure", async () => {
    const { client, calls } = setup(() => ({ status: 400, body: { resultCode: "999991", resultDesc: "Invalid client id passed" } }));
    const errors = await Promise.all([client.getAccessToken(), client.getAccessToken()].map((p) => p.catch((e) => e)));
    expect(errors[0]).toBeInstanceOf(DarajaAuthError);
    expect(errors[0]).toMatchObject({ errorCode: "999991", errorMessage: "Invalid client id passed", kind: "final" });
    expect(errors[1]).toBe(errors[0]);
    expect(calls).toEqual(["oauth"]);
  });
});

describe("PrismaTokenStore (shared by app instances)", () => {
  const db = createPrismaClient();
  afterAll(() => db.$disconnect());

  it("two clients with their own store objects over one table share one token", async () => {
    const handler: Handler = (url) => (url.includes("/oauth/") ? oauthOk() : qrOk);
    const a = setup(handler, new PrismaTokenStore(db));
    await a.client.dynamicQr(qr);
    const b = setup(handler, new PrismaTokenStore(db)); // another instance
    await b.client.dynamicQr(qr);
    expect(a.calls.filter((c) => c === "oauth")).toHaveLength(1);
    expect(b.calls.filter((c) => c === "oauth")).toHaveLength(0);
    const store = new PrismaTokenStore(db);
    const key = tokenCacheKey(BASE, "k");
    const token = (await store.get(key))!.token;
    await store.delete(key, "someone-elses-stale-token");
    expect((await store.get(key))?.token).toBe(token);
    await store.delete(key, token);
    expect(await store.get(key)).toBeNull();
  });
});
