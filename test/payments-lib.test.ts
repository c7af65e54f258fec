import { describe, expect, it } from "vitest";
import { backoffDelayMs, parseRetryAfter, retryDecision } from "../app/lib/retry";
import { AppError, ShopNotConfiguredError } from "../app/lib/errors";
import { DarajaAuthError, DarajaNetworkError, DarajaTimeoutError } from "../app/modules/daraja/errors";
import { ShopifyFinalError, ShopifyRetryableError, ShopifyTimeoutError } from "../app/modules/shopify/errors";
import { PermanentJobError, RetryLaterError } from "../app/modules/jobs/handlers";
import { clientIp, proxyTrust } from "../app/lib/client-ip.server";
import {
  sourceAllowed,
  callbackAllowlist,
  SAFARICOM_CALLBACK_IPS,
} from "../app/modules/daraja-events/common/callback-source.server";
import {
  hashCallbackToken,
  looksLikeCallbackToken,
  newCallbackToken,
} from "../app/modules/daraja-events/common/callback-token.server";

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

describe("one error model, one retry rule", () => {
  const backoff = { baseMs: 1000, maxMs: 8000, random: () => 0 };
  it("Daraja, Shopify and job errors are all AppErrors carrying their kind", () => {
    const errors = [
      new DarajaNetworkError("ECONNREFUSED"),
      new DarajaTimeoutError("no answer", "unknown-outcome"),
      new DarajaAuthError({ errorMessage: "Invalid credentials", httpStatus: 400 }),
      new ShopifyRetryableError("429", { retryAfterMs: 2000 }),
      new ShopifyTimeoutError(100, "OrderCreateManualPayment"),
      new ShopifyFinalError("ORDER_NOT_FOUND", "gone"),
      new RetryLaterError("poll", 15_000),
      new PermanentJobError("cannot"),
      new ShopNotConfiguredError("a.myshopify.com"),
    ];
    expect(errors.every((e) => e instanceof AppError)).toBe(true);
    expect(errors.map((e) => [e.kind, e.retryAfterMs])).toEqual([
      ["retryable", null],
      ["unknown-outcome", null],
      ["final", null],
      ["retryable", 2000],
      ["unknown-outcome", null],
      ["final", null],
      ["retryable", 15_000],
      ["final", null],
      ["final", null],
    ]);
  });
  it("decides by kind alone: final stops, a named delay is used as is, anything else backs off until the attempts run out", () => {
    expect(retryDecision(new ShopifyFinalError("USER_ERRORS", "no"), 1, 25, backoff)).toEqual({
      retry: false,
      reason: "final",
    });
    expect(retryDecision(new ShopNotConfiguredError("a.myshopify.com"), 1, 25, backoff)).toEqual({
      retry: false,
      reason: "final",
    });
    expect(retryDecision(new ShopifyRetryableError("429", { retryAfterMs: 30_000 }), 1, 25, backoff)).toEqual({
      retry: true,
      delayMs: 30_000,
      planned: true,
    });
    expect(retryDecision(new DarajaTimeoutError("x", "unknown-outcome"), 3, 25, backoff)).toEqual({
      retry: true,
      delayMs: 2000,
      planned: false,
    });
    expect(retryDecision(new Error("a bug"), 2, 25, backoff)).toEqual({ retry: true, delayMs: 1000, planned: false });
    expect(retryDecision(new DarajaNetworkError("down"), 25, 25, backoff)).toEqual({
      retry: false,
      reason: "exhausted",
    });
  });
});

describe("client IP", () => {
  const req = (xff?: string) => new Request("http://app/x", { headers: xff ? { "X-Forwarded-For": xff } : {} });
  const proxies = proxyTrust(["10.0.0.0/24"]);
  it("ignores X-Forwarded-For without trusted proxies; through trusted proxies takes the first untrusted address from the right", () => {
    expect(clientIp(req("6.6.6.6"), "::ffff:10.0.0.5", null)).toBe("10.0.0.5");
    expect(clientIp(req("6.6.6.6, 196.201.214.200"), "10.0.0.5", proxies)).toBe("196.201.214.200");
    expect(clientIp(req("6.6.6.6, 196.201.214.200, 10.0.0.9"), "10.0.0.5", proxies)).toBe("196.201.214.200");
    expect(clientIp(req(), "10.0.0.5", proxies)).toBe("10.0.0.5");
    // TRUSTED_PROXY_HOPS caps the walk: with one hop, 10.0.0.9 (a second proxy) is taken as the client.
    expect(clientIp(req("6.6.6.6, 196.201.214.200, 10.0.0.9"), "10.0.0.5", proxyTrust(["10.0.0.0/24"], 1))).toBe(
      "10.0.0.9",
    );
    expect(proxyTrust(["10.0.0.0/24"], 0)).toBeNull();
  });

  it("M6: a direct request (peer not a trusted proxy) claiming a Safaricom address gets its own address", () => {
    expect(clientIp(req("196.201.214.200"), "203.0.113.7", proxies)).toBe("203.0.113.7");
    expect(clientIp(req("196.201.214.200"), "::ffff:203.0.113.7", proxyTrust(["loopback"]))).toBe("203.0.113.7");
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
