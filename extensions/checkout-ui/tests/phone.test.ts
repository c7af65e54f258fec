// @vitest-environment node
// Pure logic: no DOM needed, which keeps this file fast.
import { describe, expect, test } from "vitest";
import { formatLocalPhone, normalizeKenyanPhone } from "../src/phone";

describe("normalizeKenyanPhone", () => {
  test.each([
    ["0712345678", "254712345678"],
    ["0112345678", "254112345678"],
    ["+254712345678", "254712345678"],
    ["+254 112 345 678", "254112345678"],
    ["254712345678", "254712345678"],
    ["712345678", "254712345678"],
    ["112345678", "254112345678"],
    ["0712-345-678", "254712345678"],
    [" 0712 345 678 ", "254712345678"],
    ["(0712) 345678", "254712345678"],
  ])("accepts %j as %s", (input, expected) => {
    expect(normalizeKenyanPhone(input)).toBe(expected);
  });

  test.each([
    "",
    "0812345678", // 08… is not a mobile range
    "071234567", // one digit short
    "07123456789", // one digit too many
    "+1 415 555 0100",
    "+44 7700 900123",
    "+0712345678", // "+" without the country code
    "2550712345678",
    "255712345678", // Tanzania
    "07l2345678",
    "254612345678",
    "0712.345.678", // the server does not strip dots either
  ])("rejects %j", (input) => {
    expect(normalizeKenyanPhone(input)).toBeNull();
  });
});

describe("formatLocalPhone", () => {
  test("shows the number the way Kenyans write it", () => {
    expect(formatLocalPhone("254712345678")).toBe("0712 345 678");
  });
});
