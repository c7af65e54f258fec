import { describe, expect, it } from "vitest";
import { maskedCallbackBody } from "../modules/payments/dashboard/mask-callback.server";
import { createScrubber, REDACTED } from "../modules/webhooks/redaction";
import { maskMsisdn, maskPhonesDeep, maskPhonesInText } from "./phone-mask";

// One phone rule for logs, the dashboard and redaction.

describe("the one phone masker", () => {
  it("masks every written form of a Kenyan number and nothing else", () => {
    expect(maskPhonesInText("a 254712345678 b +254712345678 c 0712345678 d 0110123456")).toBe(
      "a 2547****5678 b 2547****5678 c 0712****5678 d 0110****3456",
    );
    for (const safe of ["ws_CO_011220262045123456", "20261129102115", "TK1ABC2DEF", "1500"])
      expect(maskPhonesInText(safe)).toBe(safe);
    expect(maskMsisdn("2547****5678")).toBe("2547****5678");
    expect(maskMsisdn("not a phone")).toBe("****");
  });

  it("masks phone-named keys and PhoneNumber metadata items whatever their form", () => {
    expect(
      maskPhonesDeep({ MSISDN: "2547 *** 678", Item: [{ Name: "PhoneNumber", Value: 254712345678 }], Amount: 1500 }),
    ).toEqual({
      MSISDN: "****",
      Item: [{ Name: "PhoneNumber", Value: "2547****5678" }],
      Amount: 1500,
    });
  });

  it("the dashboard masks a 07… number outside a phone-named field", () => {
    const body = JSON.stringify({
      Body: { stkCallback: { ResultDesc: "Prompt sent to 0712345678", Note: 712345678, Other: "0798765432" } },
    });
    const shown = maskedCallbackBody(body);
    expect(shown).not.toContain("0712345678");
    expect(shown).not.toContain("0798765432");
    expect(shown).toContain("0712****5678");
  });

  it("redaction and the dashboard find the same numbers", () => {
    const body = JSON.stringify({
      a: "call 0712345678",
      b: 254799000111,
      c: { phone: "+254 712 345 678" },
      Item: [{ Name: "PhoneNumber", Value: 254701000222 }],
    });
    const redacted = createScrubber({ phones: [], emails: [] }).scrubDocument(body);
    const masked = maskedCallbackBody(body);
    for (const n of ["0712345678", "254799000111", "254701000222"]) {
      expect(redacted).not.toContain(n);
      expect(masked).not.toContain(n);
    }
    expect(JSON.parse(redacted)).toEqual({
      a: `call ${REDACTED}`,
      b: REDACTED,
      c: { phone: REDACTED },
      Item: [{ Name: "PhoneNumber", Value: REDACTED }],
    });
  });
});
