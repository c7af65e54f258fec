import { describe, expect, it } from "vitest";
import { createScrubber, phoneForms, REDACTED, redactStatementDetails } from "./redaction";
import { ceilWholeUnits, customerIdForms, paidWithMethod, OrderPayload } from "./order-payload";

describe("phoneForms", () => {
  it("lists the ways one Kenyan number is written", () => {
    for (const input of ["254712345678", "+254 712 345 678", "0712345678", "712345678"]) {
      expect(phoneForms(input)).toEqual(["254712345678", "0712345678", "712345678"]);
    }
    expect(phoneForms("+1 (415) 555-0100")).toEqual(["14155550100"]);
    expect(phoneForms("12")).toEqual([]);
  });
});

describe("createScrubber", () => {
  const scrubber = createScrubber({ phones: ["0712345678", "+1 415 555 0100"], emails: ["Buyer@Example.com"] });

  it("replaces phone numbers in a JSON document and keeps amounts, receipts and dates", () => {
    const body = JSON.stringify({
      Item: [
        { Name: "Amount", Value: 1500 },
        { Name: "MpesaReceiptNumber", Value: "TK1ABC2DEF" },
        { Name: "TransactionDate", Value: 20261129102115 },
        { Name: "PhoneNumber", Value: 254712345678 },
      ],
      note: "call +254712345678 or 14155550100, mail buyer@example.com",
      other: 254799000111, // any Kenyan mobile number is personal data
      FirstName: "Wanjiku",
    });
    const out = JSON.parse(scrubber.scrubDocument(body));
    expect(out.Item).toEqual([
      { Name: "Amount", Value: 1500 },
      { Name: "MpesaReceiptNumber", Value: "TK1ABC2DEF" },
      { Name: "TransactionDate", Value: 20261129102115 },
      { Name: "PhoneNumber", Value: REDACTED },
    ]);
    expect(out.note).toBe(`call ${REDACTED} or ${REDACTED}, mail ${REDACTED}`);
    expect(out.other).toBe(REDACTED);
    expect(out.FirstName).toBe(REDACTED);
  });

  it("leaves a document without personal data byte for byte, and scrubs non-JSON text", () => {
    const body = '{ "Amount": 1500.00, "CheckoutRequestID": "ws_CO_191220191020363925" }';
    expect(scrubber.scrubDocument(body)).toBe(body);
    expect(scrubber.scrubDocument("phone=0712345678&x=1")).toBe(`phone=${REDACTED}&x=1`);
  });

  it("searches by the national number, which every written form contains", () => {
    expect([...scrubber.searchTerms].sort()).toEqual(["14155550100", "712345678", "buyer@example.com"]);
  });
});

describe("redactStatementDetails", () => {
  it("erases the other party of a statement row's Details and keeps the account typed", () => {
    expect(redactStatementDetails("Pay Bill from 25470****111 - JANE **** DOE Acc. SHP10492")).toBe(
      `Pay Bill from ${REDACTED} Acc. SHP10492`,
    );
    expect(redactStatementDetails("Merchant Payment from 25470****111 - JANE DOE")).toBe(
      `Merchant Payment from ${REDACTED}`,
    );
    expect(redactStatementDetails("Business Payment to 2547****678 - JOHN")).toBe(`Business Payment to ${REDACTED}`);
    expect(redactStatementDetails("Pay Bill Charge")).toBe("Pay Bill Charge");
    expect(redactStatementDetails("Note 0712345678")).toBe(`Note ${REDACTED}`);
    // Idempotent: redacting twice changes nothing more.
    const once = redactStatementDetails("Pay Bill from 0722****212 - X Acc. 7");
    expect(redactStatementDetails(once)).toBe(once);
  });
});

describe("order payload helpers", () => {
  it("rounds up to whole units", () => {
    expect([
      ceilWholeUnits("1234.01"),
      ceilWholeUnits("1234.00"),
      ceilWholeUnits("1234"),
      ceilWholeUnits(99.5),
    ]).toEqual([1235, 1234, 1234, 100]);
    expect([ceilWholeUnits("-1.00"), ceilWholeUnits("abc"), ceilWholeUnits(null)]).toEqual([null, null, null]);
  });

  it("matches the gateway name trimmed and case-insensitively", () => {
    const order = OrderPayload.parse({ id: 1, payment_gateway_names: [" m-pesa "] });
    expect(paidWithMethod(order, "M-PESA")).toBe(true);
    expect(paidWithMethod(order, "MPESA")).toBe(false);
  });

  it("knows both forms of a customer id", () => {
    expect(customerIdForms(42)).toEqual(["gid://shopify/Customer/42", "42"]);
    expect(customerIdForms("gid://shopify/Customer/42")).toEqual(["gid://shopify/Customer/42", "42"]);
  });
});
