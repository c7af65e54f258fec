import { describe, expect, it } from "vitest";
import { c2bValidationHttp } from "./answers";

// The C2B validation answers in Daraja's shape (the route and the decisions are exercised end to end
// in test/c2b.validation.test.ts, including a decision that overruns its budget).

describe("C2B validation answers", () => {
  it('accepts with ResultCode "0"', () => {
    expect(c2bValidationHttp({ kind: "accept" })).toEqual({
      status: 200,
      body: { ResultCode: "0", ResultDesc: "Accepted" },
    });
  });

  it.each(["C2B00012", "C2B00013", "C2B00015", "C2B00016"] as const)("rejects with %s, HTTP 200", (resultCode) => {
    expect(c2bValidationHttp({ kind: "reject", resultCode })).toEqual({
      status: 200,
      body: { ResultCode: resultCode, ResultDesc: "Rejected" },
    });
  });

  it("refuses unreadable and oversized requests with the 'other error' code", () => {
    expect(c2bValidationHttp({ kind: "malformed", problem: "body is not valid JSON" })).toEqual({
      status: 400,
      body: { ResultCode: "C2B00016", ResultDesc: "Rejected" },
    });
    expect(c2bValidationHttp({ kind: "too_large" }).status).toBe(413);
  });
});
