// @vitest-environment node
// Pure logic: no DOM needed, which keeps this file fast.
import { describe, expect, test, vi } from "vitest";
import { createPayApi, parseRetryAfter } from "../src/api";
import { attempt, json, payableStatus } from "./fixtures";

const ORDER = { id: "gid://shopify/Order/1", confirmationNumber: "AB12CD34E" };

function apiWith(fetch: ReturnType<typeof vi.fn>) {
  return createPayApi({
    appUrl: "https://app.test",
    getSessionToken: async () => "tok",
    fetch: fetch as unknown as typeof globalThis.fetch,
  });
}

describe("pay API client", () => {
  test("status: GET with the bearer token and the order's confirmation number, answer parsed", async () => {
    const fetch = vi
      .fn()
      .mockResolvedValue(json(payableStatus({ attempt: attempt({ status: "SUCCEEDED", receipt: "R1" }) })));
    const result = await apiWith(fetch).getStatus(ORDER);
    expect(result).toEqual({
      kind: "ok",
      value: payableStatus({ attempt: attempt({ status: "SUCCEEDED", receipt: "R1" }) }),
    });
    expect(fetch.mock.calls[0]![0]).toBe(
      "https://app.test/api/pay/status?orderId=gid%3A%2F%2Fshopify%2FOrder%2F1&confirmationNumber=AB12CD34E",
    );
    expect(fetch.mock.calls[0]![1].headers.Authorization).toBe("Bearer tok");
  });

  test("pay: POST JSON with the confirmation number, no surface parameter (the token says who asks)", async () => {
    const fetch = vi.fn().mockResolvedValue(json({ attempt: attempt() }));
    const result = await apiWith(fetch).pay(ORDER, "254712345678");
    expect(result).toEqual({ kind: "ok", value: attempt() });
    const [url, init] = fetch.mock.calls[0]!;
    expect(url).toBe("https://app.test/api/pay");
    expect(init.headers["Content-Type"]).toBe("application/json");
    expect(JSON.parse(init.body)).toEqual({
      orderId: "gid://shopify/Order/1",
      confirmationNumber: "AB12CD34E",
      phone: "254712345678",
    });
  });

  test("4xx: the app's error code and message", async () => {
    const fetch = vi
      .fn()
      .mockResolvedValue(json({ error: { code: "INVALID_PHONE", message: "Not an M-PESA number" } }, { status: 422 }));
    expect(await apiWith(fetch).pay(ORDER, "p")).toEqual({
      kind: "rejected",
      status: 422,
      code: "INVALID_PHONE",
      message: "Not an M-PESA number",
    });
  });

  test("4xx without a body still maps to a rejection", async () => {
    const fetch = vi.fn().mockResolvedValue(new Response(null, { status: 401 }));
    expect(await apiWith(fetch).getStatus(ORDER)).toEqual({
      kind: "rejected",
      status: 401,
      code: "HTTP_401",
      message: undefined,
    });
  });

  test("429: Retry-After in seconds", async () => {
    const fetch = vi.fn().mockResolvedValue(new Response(null, { status: 429, headers: { "Retry-After": "17" } }));
    expect(await apiWith(fetch).pay(ORDER, "p")).toEqual({ kind: "rate_limited", retryAfterSeconds: 17 });
  });

  test.each([
    ["a rejected fetch", () => Promise.reject(new TypeError("Failed to fetch"))],
    ["a 502", () => Promise.resolve(new Response("bad gateway", { status: 502 }))],
    ["a 200 that is not JSON", () => Promise.resolve(new Response("<html>", { status: 200 }))],
    ["a 200 of another shape", () => Promise.resolve(json({ ok: true }))],
    [
      "an attempt with an unknown status",
      () => Promise.resolve(json({ payable: true, attempt: attempt({ status: "WEIRD" as never }) })),
    ],
  ])("%s is 'unreachable'", async (_name, respond) => {
    const fetch = vi.fn().mockImplementation(respond);
    expect(await apiWith(fetch).getStatus(ORDER)).toEqual({ kind: "unreachable" });
  });

  test("a request that never answers is abandoned after the timeout", async () => {
    const fetch = vi
      .fn()
      .mockImplementation(
        (_url, init: RequestInit) =>
          new Promise((_resolve, reject) => init.signal!.addEventListener("abort", () => reject(new Error("aborted")))),
      );
    const api = createPayApi({ appUrl: "https://app.test", getSessionToken: async () => "t", fetch, timeoutMs: 5 });
    expect(await api.getStatus(ORDER)).toEqual({ kind: "unreachable" });
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2026-10-01T12:00:00Z");
  test.each([
    ["30", 30],
    ["0", 1],
    ["Thu, 01 Oct 2026 12:00:45 GMT", 45],
    [null, 30],
    ["soon", 30],
  ])("%j -> %i seconds", (header, seconds) => {
    expect(parseRetryAfter(header, now)).toBe(seconds);
  });
});
