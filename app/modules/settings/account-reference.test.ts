import { describe, expect, it } from "vitest";
import { accountReferenceTemplateProblem, renderAccountReference } from "./account-reference";

describe("renderAccountReference", () => {
  it("substitutes the order number and name", () => {
    expect(renderAccountReference("{order_number}", { orderNumber: 1234, orderName: "#1234" })).toBe("1234");
    expect(renderAccountReference("INV{order_number}", { orderNumber: 1234 })).toBe("INV1234");
    expect(renderAccountReference("{order_name}", { orderNumber: 1234, orderName: "KE-1234-X" })).toBe("KE1234X");
  });

  it("falls back to the order number when the order name is absent", () => {
    expect(renderAccountReference("A{order_name}", { orderNumber: "1001" })).toBe("A1001");
  });

  it("never exceeds 12 characters: falls back to the bare order number", () => {
    expect(renderAccountReference("SHOP{order_number}", { orderNumber: 123456789 })).toBe("123456789");
    expect(renderAccountReference("{order_name}", { orderNumber: 5, orderName: "#VERYLONGPREFIX-5" })).toBe("5");
  });

  it("is alphanumeric only", () => {
    expect(renderAccountReference("{order_name}", { orderNumber: 77, orderName: "#77" })).toMatch(/^[A-Za-z0-9]+$/);
  });
});

describe("accountReferenceTemplateProblem", () => {
  it.each(["{order_number}", "INV{order_number}", "AB{order_name}", "SHOP1{order_number}", "PAYBILLACC1"])(
    "accepts %s",
    (t) => expect(accountReferenceTemplateProblem(t)).toBeNull(),
  );

  it("refuses a template that could exceed 12 characters for a 7-digit order number", () => {
    expect(accountReferenceTemplateProblem("MYSHOP{order_number}")).toMatch(/Too long.*13 characters/);
  });

  it("refuses unknown placeholders, punctuation and blanks", () => {
    expect(accountReferenceTemplateProblem("{order_id}")).toMatch(/Unknown placeholder \{order_id\}/);
    expect(accountReferenceTemplateProblem("A-{order_number}")).toMatch(/letters and digits/);
    expect(accountReferenceTemplateProblem("  ")).toMatch(/Enter a template/);
  });
});
