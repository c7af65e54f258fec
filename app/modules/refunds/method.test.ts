import crypto from "node:crypto";
import { describe, expect, it } from "vitest";
import { chooseMethod, fitsHiddenPayer, wholeShillings, type MethodFacts } from "./method";

// How a refund pays back, and whether a number the merchant typed fits the payer M-PESA hid.

const sha256 = (s: string) => crypto.createHash("sha256").update(s).digest("hex");
const now = new Date("2026-12-03T10:00:00Z");
const facts = (over: Partial<MethodFacts> = {}): MethodFacts => ({
  amountKes: 500,
  receiptAmountKes: 1200,
  otherRefundsKes: 0,
  receiptAt: new Date(now.getTime() - 3600_000),
  now,
  reversalWindowMs: 24 * 3600_000,
  phone: "254712345678",
  hasAccount: true,
  ...over,
});

describe("chooseMethod", () => {
  it("reverses the whole receipt while young, sends part by B2C, and goes manual without an initiator", () => {
    expect(chooseMethod(facts({ amountKes: 1200 })).method).toBe("REVERSAL");
    expect(chooseMethod(facts()).method).toBe("B2C");
    expect(chooseMethod(facts({ hasAccount: false })).method).toBe("MANUAL");
    expect(chooseMethod(facts({ amountKes: 9 })).method).toBe("MANUAL");
  });

  it("a payer M-PESA hid is B2C waiting for the merchant's number; unknown altogether is manual", () => {
    const masked = chooseMethod(facts({ phone: null, hiddenPayer: { masked: "2547 ***** 678", hash: null } }));
    expect(masked).toEqual({
      method: "B2C",
      why: "M-PESA showed the paying number only as 2547 ***** 678: enter the customer's full number to approve (the digits shown must match)",
    });
    expect(
      chooseMethod(facts({ phone: null, hiddenPayer: { masked: null, hash: sha256("254712345678") } })).method,
    ).toBe("B2C");
    expect(chooseMethod(facts({ phone: null })).method).toBe("MANUAL");
    // The whole young receipt needs no number at all: a Reversal.
    expect(chooseMethod(facts({ amountKes: 1200, phone: null })).method).toBe("REVERSAL");
  });
});

describe("fitsHiddenPayer", () => {
  it("a masked number: every digit shown must match, in both of M-PESA's masks", () => {
    const v2 = { masked: "2547 ***** 678", hash: null };
    expect(fitsHiddenPayer("254712345678", v2, sha256)).toBe(true);
    expect(fitsHiddenPayer("254712345679", v2, sha256)).toBe(false);
    expect(fitsHiddenPayer("254112345678", v2, sha256)).toBe(false);
    const older = { masked: "25470****149", hash: null };
    expect(fitsHiddenPayer("254708374149", older, sha256)).toBe(true);
    expect(fitsHiddenPayer("254718374149", older, sha256)).toBe(false);
    expect(fitsHiddenPayer("254708374149", { masked: "no stars", hash: null }, sha256)).toBe(false);
  });

  it("a hashed number (C2B v1): the SHA-256 of the typed number, in any letter case", () => {
    const hidden = { masked: null, hash: sha256("254712345678").toUpperCase() };
    expect(fitsHiddenPayer("254712345678", hidden, sha256)).toBe(true);
    expect(fitsHiddenPayer("254712345679", hidden, sha256)).toBe(false);
    expect(fitsHiddenPayer("254712345678", { masked: null, hash: null }, sha256)).toBe(false);
  });
});

describe("wholeShillings", () => {
  it("rounds up to the shilling, never less than Shopify recorded", () => {
    expect(wholeShillings("400.00")).toBe(400);
    expect(wholeShillings("400.01")).toBe(401);
    expect(wholeShillings("0")).toBe(0);
  });
});
