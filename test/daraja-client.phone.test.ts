import { describe, expect, it } from "vitest";
import {
  identifyPayer,
  InvalidPhoneNumberError,
  isHashedMsisdn,
  normalizeMsisdn,
  DarajaRequestValidationError,
} from "~/modules/daraja";

describe("normalizeMsisdn", () => {
  it.each([
    ["0712345678", "254712345678"],
    ["0112345678", "254112345678"],
    ["+254712345678", "254712345678"],
    ["+254112345678", "254112345678"],
    ["254712345678", "254712345678"],
    ["254112345678", "254112345678"],
    ["712345678", "254712345678"],
    ["112345678", "254112345678"],
    ["0712 345 678", "254712345678"],
    ["+254 712-345-678", "254712345678"],
    ["(0712) 345678", "254712345678"],
    [" 0712345678 ", "254712345678"],
  ])("%s → %s", (input, expected) => {
    expect(normalizeMsisdn(input)).toBe(expected);
  });

  it("accepts a number value", () => {
    expect(normalizeMsisdn(254712345678)).toBe("254712345678");
  });

  it.each([
    "",
    "0812345678", // not a 7xx/1xx mobile range
    "071234567", // too short
    "07123456789", // too long
    "+255712345678", // Tanzania
    "2547123456789",
    "25471234567",
    "+0712345678",
    "0712a45678",
    "612345678",
    "abcdef",
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", // hashed: not dialable
  ])("rejects %j", (input) => {
    expect(() => normalizeMsisdn(input)).toThrow(InvalidPhoneNumberError);
  });

  it("rejects with a message a shopper can read, naming the field", () => {
    const err = (() => {
      try {
        normalizeMsisdn("0812 345 678");
      } catch (e) {
        return e as InvalidPhoneNumberError;
      }
    })();
    expect(err).toBeInstanceOf(DarajaRequestValidationError);
    expect(err?.message).toBe('"0812 345 678" is not a Kenyan mobile number');
    expect(err?.field).toBe("phone");
  });
});

describe("hashed and masked C2B identifiers", () => {
  const hash = "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855";
  it("recognises a 64-hex v1 hash and keeps it, lower-cased", () => {
    expect(isHashedMsisdn(hash)).toBe(true);
    expect(identifyPayer(hash)).toEqual({ kind: "hashed", hash: hash.toLowerCase() });
  });
  it("keeps v2 masked numbers as they are", () => {
    expect(identifyPayer("2547 ***** 126")).toEqual({ kind: "masked", masked: "2547 ***** 126" });
    expect(identifyPayer("25470****149")).toEqual({ kind: "masked", masked: "25470****149" });
  });
  it("normalises a plain number", () => {
    expect(identifyPayer(722000000)).toEqual({ kind: "msisdn", msisdn: "254722000000" });
  });
  it("rejects anything else", () => {
    expect(() => identifyPayer("not-a-phone")).toThrow(InvalidPhoneNumberError);
    expect(isHashedMsisdn(hash.slice(1))).toBe(false);
  });
});
