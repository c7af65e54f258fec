import { describe, expect, it } from "vitest";
import {
  eatDateTime,
  eatTimestamp,
  parseEatDotted,
  parseEatTimestamp,
  stkCredentials,
  stkPassword,
} from "~/modules/daraja";

const PASSKEY = "bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919";

describe("EAT timestamps", () => {
  it("crosses the day, month and year boundary three hours before UTC does", () => {
    expect(eatTimestamp(new Date("2025-12-31T21:00:00.000Z"))).toBe("20260101000000");
    expect(eatTimestamp(new Date("2025-12-31T20:59:59.999Z"))).toBe("20251231235959");
    expect(eatTimestamp(new Date("2026-03-14T12:30:12Z"))).toBe("20260314153012");
  });

  it("formats Pull dates in EAT", () => {
    expect(eatDateTime(new Date("2026-03-13T21:00:00Z"))).toBe("2026-03-14 00:00:00");
  });

  it("parses callback times as EAT", () => {
    expect(parseEatTimestamp(20260314153041)?.toISOString()).toBe("2026-03-14T12:30:41.000Z");
    expect(parseEatTimestamp("20260101000000")?.toISOString()).toBe("2025-12-31T21:00:00.000Z");
    expect(parseEatDotted("14.03.2026 15:30:41")?.toISOString()).toBe("2026-03-14T12:30:41.000Z");
    expect(parseEatTimestamp("20260231120000")).toBeNull(); // 31 February
    expect(parseEatTimestamp("2026031415304")).toBeNull();
  });
});

describe("STK password", () => {
  it("is base64(shortcode + passkey + timestamp)", () => {
    const password = stkPassword(174379, PASSKEY, "20260314153012");
    expect(Buffer.from(password, "base64").toString()).toBe(`174379${PASSKEY}20260314153012`);
    expect(password).toBe(Buffer.from(`174379${PASSKEY}20260314153012`).toString("base64"));
  });

  it("uses one clock reading for both the timestamp and the password", () => {
    // A clock that advances a second on every reading would expose a second reading.
    let t = Date.parse("2026-03-14T12:30:12.999Z");
    const clock = { now: () => new Date((t += 1000) - 1000) };
    const { timestamp, password } = stkCredentials("174379", PASSKEY, clock);
    expect(timestamp).toBe("20260314153012");
    expect(Buffer.from(password, "base64").toString()).toBe(`174379${PASSKEY}${timestamp}`);
  });
});
