import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, redactForLog } from "./logger.server";

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger({ level: "info", destination }), lines };
}

describe("L6: logger redaction at every depth", () => {
  it("L6: secrets are redacted and phones masked however deep they are logged", () => {
    const { logger, lines } = capture();
    logger.child({ request: { headers: { Authorization: "Bearer abc.def" } } }).info(
      {
        shop: {
          settings: {
            daraja: { consumerSecret: "s3cr3t-value", passkey: "pk-value-123", nested: [{ access_token: "tok-xyz" }] },
          },
        },
        job: { payload: { attempt: { msisdn: "254712345678", note: "from 0712345678" } } },
        password: "p@ss",
      },
      "hello",
    );
    const out = lines.join("");
    for (const secret of ["s3cr3t-value", "pk-value-123", "tok-xyz", "abc.def", "p@ss", "254712345678", "0712345678"]) {
      expect(out).not.toContain(secret);
    }
    const entry = JSON.parse(out);
    expect(entry.shop.settings.daraja.consumerSecret).toBe("[redacted]");
    expect(entry.shop.settings.daraja.nested[0].access_token).toBe("[redacted]");
    expect(entry.job.payload.attempt.msisdn).toBe("2547****5678");
    expect(entry.request.headers.Authorization).toBe("[redacted]");
    expect(entry.msg).toBe("hello");
  });

  it("keeps errors for pino's serializer and survives cycles", () => {
    const { logger, lines } = capture();
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    logger.error({ err: new Error("boom"), cyclic }, "failed");
    const entry = JSON.parse(lines.join(""));
    expect(entry.err.message).toBe("boom");
    expect(entry.cyclic).toEqual({ a: 1, self: "[…]" });
    expect(redactForLog({ amountKes: 1500, receipt: "TK1ABC2DEF" })).toEqual({
      amountKes: 1500,
      receipt: "TK1ABC2DEF",
    });
  });
});
