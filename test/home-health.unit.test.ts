import { describe, expect, it } from "vitest";
import { callbackAddressProblem, isNonPublicHost } from "../app/modules/settings/callback-address";
import { setupChecklist } from "../app/modules/settings/checklist";
import { refusalOf, verdictOf } from "../app/modules/health/setup-failures";

// The pure parts of the home page's health: which stored failures are set-up problems, and the
// callback address check.

const failed = (resultDesc: string, extra: Partial<Parameters<typeof verdictOf>[0]> = {}) =>
  verdictOf({
    status: "FAILED",
    resultCode: null,
    resultDesc,
    failureStage: "stk_push_request",
    checkoutRequestId: null,
    ...extra,
  });

describe("set-up failures from stored attempts", () => {
  it.each([
    ["Daraja refused the STK Push: 500.001.1001 [MerchantValidate] - Wrong credentials", "wrong_credentials"],
    ["Daraja refused the STK Push: 500.001.1001 Merchant does not exist", "merchant_missing"],
    ["Daraja refused the STK Push: 400.002.02 Bad Request - Invalid BusinessShortCode", "invalid_shortcode"],
    ["Daraja refused the STK Push: 400.002.02 Bad Request - Invalid PartyB", "invalid_party_b"],
    ["Daraja refused the STK Push: 400.002.02 Bad Request - Invalid CallBackURL", "invalid_callback_url"],
    [
      "Daraja refused the STK Push: 400.003.02 Bad Request - Invalid CallBackURL - URL has the word MPESA",
      "invalid_callback_url",
    ],
    ["Daraja refused the STK Push: No ApiProduct match found", "no_api_product"],
    ["Daraja refused the consumer key/secret: 999996 Invalid Authentication passed", "oauth"],
    // Stored before the OAuth prefix existed: the OAuth codes still say it.
    ["Daraja refused the STK Push: 999991 Invalid client id passed", "oauth"],
  ])("%s -> %s", (desc, problem) => {
    expect(failed(desc)).toEqual({ kind: "setup", problem });
  });

  it("is not fooled by the customer's or the network's failures", () => {
    expect(failed("Daraja refused the STK Push: 400.002.02 Bad Request - Invalid PhoneNumber")).toEqual({
      kind: "neutral",
    });
    expect(
      failed("Daraja unavailable: 500.003.02 Error Occurred: Spike Arrest Violation", {
        failureStage: "stk_push_unavailable",
      }),
    ).toEqual({ kind: "neutral" });
    const callback = { status: "FAILED", failureStage: null, checkoutRequestId: "ws_CO_1" };
    expect(verdictOf({ ...callback, resultCode: "1", resultDesc: "The balance is insufficient" })).toEqual({
      kind: "accepted",
    });
    expect(verdictOf({ ...callback, resultCode: "SFC_IC0003", resultDesc: "The operator does not exist." })).toEqual({
      kind: "setup",
      problem: "operator_missing",
    });
    expect(
      verdictOf({ ...callback, status: "CANCELLED", resultCode: "1032", resultDesc: "Request cancelled by user" }),
    ).toEqual({ kind: "accepted" });
  });

  it("splits a stored refusal into its code and message", () => {
    expect(refusalOf("Daraja refused the STK Push: 500.001.1001 [MerchantValidate] - Wrong credentials")).toEqual({
      oauth: false,
      errorCode: "500.001.1001",
      errorMessage: "[MerchantValidate] - Wrong credentials",
    });
    expect(refusalOf("Daraja refused the STK Push: No ApiProduct match found")).toMatchObject({ errorCode: null });
  });
});

describe("the callback address check", () => {
  it.each([
    "localhost",
    "127.0.0.1",
    "10.1.2.3",
    "192.168.0.10",
    "172.20.0.5",
    "169.254.1.1",
    "100.64.0.1",
    "[::1]",
    "fd00::1",
    "app",
    "shop.local",
  ])("%s is not public", (host) => expect(isNonPublicHost(host)).toBe(true));
  it.each(["example.com", "8.8.8.8", "172.32.0.1", "2001:db8::1"])("%s is public", (host) =>
    expect(isNonPublicHost(host)).toBe(false),
  );

  it("flags a local address in development too, saying what fails in production", () => {
    const dev = callbackAddressProblem("http://127.0.0.1:3000", { production: false })!;
    expect(dev.kind).toBe("not_public");
    expect(dev.message).toMatch(/works with the local Daraja emulator, but in production Daraja cannot reach it/);
    expect(callbackAddressProblem("http://shop.example.com", { production: false })).toMatchObject({
      kind: "not_https",
      message: expect.stringMatching(/production Daraja only calls HTTPS addresses/),
    });
    expect(callbackAddressProblem("https://abc.trycloudflare.com", { production: false })?.kind).toBe("tunnel");
    expect(callbackAddressProblem("not a url", { production: true })?.kind).toBe("invalid");
    expect(callbackAddressProblem("https://pay.example.com", { production: true })).toBeNull();
  });

  it("is a checklist step, done only for a public HTTPS address", () => {
    const step = (callbackBaseUrl: string, production = false) =>
      setupChecklist({ configured: true, paymentMethodName: "M-PESA", callbackBaseUrl, production }).find(
        (i) => i.id === "callback-address",
      );
    expect(step("http://localhost:3000")?.status).toBe("todo");
    expect(step("https://pay.example.com", true)?.status).toBe("done");
    expect(step("https://pay.example.com")?.detail).toContain("https://pay.example.com/daraja/stk/");
  });
});
