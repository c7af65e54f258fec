import { describe, expect, it } from "vitest";
import { backoffDelayMs, parseRetryAfter } from "../app/lib/retry";
import { clientIp } from "../app/lib/client-ip.server";
import { sourceAllowed, callbackAllowlist, SAFARICOM_CALLBACK_IPS } from "../app/modules/payments/callback-source.server";
import { hashCallbackToken, looksLikeCallbackToken, newCallbackToken } from "../app/modules/payments/callback-token.server";

// Small pure rules the payment flow leans on: the one retry rule, client IP, callback sources, tokens.

describe("backoff", () => {
  it("doubles its window, stays within [window/2, window], caps, and never undercuts a requested delay", () => {
    const lo = { baseMs: 1000, maxMs: 8000, random: () => 0 };
    const hi = { ...lo, random: () => 0.999999 };
    expect([1, 2, 3, 4, 5].map((n) => backoffDelayMs(n, lo))).toEqual([500, 1000, 2000, 4000, 4000]);
    expect([1, 2, 3, 4, 5].map((n) => backoffDelayMs(n, hi))).toEqual([1000, 2000, 4000, 8000, 8000]);
    expect(backoffDelayMs(1, lo, 30_000)).toBe(30_000);
  });
  it("reads Retry-After as seconds or an HTTP date", () => {
    expect(parseRetryAfter("2")).toBe(2000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(parseRetryAfter("soon")).toBeNull();
  });
});

describe("client IP", () => {
  const req = (xff?: string) => new Request("http://app/x", { headers: xff ? { "X-Forwarded-For": xff } : {} });
  it("ignores X-Forwarded-For without trusted proxies; takes the N-th from the right with N hops", () => {
    expect(clientIp(req("6.6.6.6"), "::ffff:10.0.0.5", 0)).toBe("10.0.0.5");
    expect(clientIp(req("6.6.6.6, 196.201.214.200"), "10.0.0.5", 1)).toBe("196.201.214.200");
    expect(clientIp(req("6.6.6.6, 196.201.214.200, 10.0.0.9"), "10.0.0.5", 2)).toBe("196.201.214.200");
    expect(clientIp(req(), "10.0.0.5", 1)).toBe("10.0.0.5");
  });
});

describe("callback sources and tokens", () => {
  it("production accepts only the allowlist; sandbox accepts any source", () => {
    expect(sourceAllowed("production", "196.201.214.200", SAFARICOM_CALLBACK_IPS)).toBe(true);
    expect(sourceAllowed("production", "6.6.6.6", SAFARICOM_CALLBACK_IPS)).toBe(false);
    expect(sourceAllowed("production", null, SAFARICOM_CALLBACK_IPS)).toBe(false);
    expect(sourceAllowed("sandbox", "6.6.6.6", SAFARICOM_CALLBACK_IPS)).toBe(true);
    expect(callbackAllowlist(" 1.2.3.4 ,5.6.7.8")).toEqual(["1.2.3.4", "5.6.7.8"]);
    expect(callbackAllowlist("")).toBe(SAFARICOM_CALLBACK_IPS);
  });
  it("tokens are unguessable and only their hash is kept", () => {
    const a = newCallbackToken();
    const b = newCallbackToken();
    expect(a.token).not.toBe(b.token);
    expect(looksLikeCallbackToken(a.token)).toBe(true);
    expect(a.hash).toBe(hashCallbackToken(a.token));
    expect(a.hash).not.toContain(a.token);
    expect(looksLikeCallbackToken("../../etc")).toBe(false);
  });
});
