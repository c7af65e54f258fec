import { describe, expect, it } from "vitest";
import { classifyErrorAnswer, isInvalidTokenAnswer, reasonOf5000011001 } from "~/modules/daraja";

const answer = (httpStatus: number, errorCode: string | null, errorMessage: string) => ({
  httpStatus,
  errorCode,
  errorMessage,
});

describe("error classification (docs/DARAJA.md §6.1)", () => {
  it.each([
    [400, "400.002.02", "Bad Request - Invalid Amount", "final"],
    [400, "400.002.05", "Invalid Request Payload", "final"],
    [400, "400.003.02", "Bad Request - Invalid ValidationURL - URL has the word MPESA", "final"],
    [404, "404.001.01", "Resource not found", "final"],
    [405, "405.001", "Method Not Allowed", "final"],
    [500, "500.002.1001", "Duplicate OriginatorConversationID", "final"],
    [500, "500.003.02", "Error Occurred: Spike Arrest Violation", "retryable"],
    [500, "500.003.03", "Quota Violation", "retryable"],
    [429, null, "Too Many Requests", "retryable"],
    [500, "500.001.1001", "[MerchantValidate] - Wrong credentials", "final"],
    [500, "500.001.1001", "Merchant does not exist", "final"],
    [
      500,
      "500.001.1001",
      "Unable to lock subscriber, a transaction is already in process for the current subscriber",
      "retryable",
    ],
    [500, "500.001.1001", "The transaction is being processed", "retryable"],
    [500, "500.003.1001", "Urls are already registered", "final"],
    [500, null, "Invalid API call as no apiproduct match found", "final"],
    [401, "401.002.01", "Error Occurred - Invalid Access Token - abc", "final"],
  ] as const)("%i %s %s → %s", (status, code, message, kind) => {
    expect(classifyErrorAnswer(answer(status, code, message), true)).toBe(kind);
    expect(classifyErrorAnswer(answer(status, code, message), false)).toBe(kind);
  });

  it("an unexplained 5xx is unknown for money-moving calls and retryable for queries", () => {
    expect(classifyErrorAnswer(answer(502, null, "Bad Gateway"), true)).toBe("unknown-outcome");
    expect(classifyErrorAnswer(answer(502, null, "Bad Gateway"), false)).toBe("retryable");
    expect(classifyErrorAnswer(answer(500, "500.003.1001", "Internal Server Error"), true)).toBe("unknown-outcome");
    expect(classifyErrorAnswer(answer(500, "500.001.1001", "Something new"), false)).toBe("retryable");
  });

  it("tells the four meanings of 500.001.1001 apart by message", () => {
    expect(reasonOf5000011001("The transaction is being processed")).toBe("pending");
    expect(reasonOf5000011001("Unable to lock subscriber, a transaction is already in process")).toBe(
      "subscriber_locked",
    );
    expect(reasonOf5000011001("[MerchantValidate] - Wrong credentials")).toBe("wrong_credentials");
    expect(reasonOf5000011001("Merchant does not exist")).toBe("merchant_missing");
    expect(reasonOf5000011001("???")).toBe("other");
  });

  it("recognises every documented invalid-token answer", () => {
    expect(isInvalidTokenAnswer(answer(401, null, ""))).toBe(true);
    expect(isInvalidTokenAnswer(answer(404, "404.001.03", "Invalid Access Token"))).toBe(true);
    expect(isInvalidTokenAnswer(answer(400, "400.003.01", "Invalid Access Token"))).toBe(true);
    expect(isInvalidTokenAnswer(answer(401, "401.002.01", "Error Occurred - Invalid Access Token - x"))).toBe(true);
    expect(isInvalidTokenAnswer(answer(401, "401.001", "Error Occurred - Invalid Access Token - "))).toBe(true);
    expect(isInvalidTokenAnswer(answer(500, "999", "oops: invalid access token"))).toBe(true);
    expect(isInvalidTokenAnswer(answer(400, "400.002.02", "Bad Request - Invalid Amount"))).toBe(false);
  });
});
