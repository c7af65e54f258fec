import { X509Certificate } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { SANDBOX_CERTIFICATE } from "../modules/daraja/certs";
import { ConfigError, parseEnv } from "./env.server";

const valid = {
  SHOPIFY_API_KEY: "k",
  SHOPIFY_API_SECRET: "s",
  SHOPIFY_APP_URL: "https://app.example.com",
  ENCRYPTION_KEY: Buffer.alloc(32, 7).toString("base64"),
};

describe("environment validation", () => {
  it("accepts a minimal valid environment and applies defaults", () => {
    const env = parseEnv(valid);
    expect(env.DATABASE_URL).toBe("file:./prisma/dev.sqlite");
    expect(env.SCOPES).toBe("read_orders,write_orders");
    expect(env.SANDBOX_MODE).toBe(false);
  });

  it("names every missing variable", () => {
    try {
      parseEnv({});
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const msg = (e as Error).message;
      for (const name of ["SHOPIFY_API_KEY", "SHOPIFY_API_SECRET", "SHOPIFY_APP_URL", "ENCRYPTION_KEY"]) {
        expect(msg).toContain(`${name} is missing`);
      }
    }
  });

  it("explains a malformed value", () => {
    expect(() => parseEnv({ ...valid, ENCRYPTION_KEY: "short" })).toThrow(/ENCRYPTION_KEY: must be 32 bytes/);
    expect(() => parseEnv({ ...valid, DATABASE_URL: "mysql://x" })).toThrow(/DATABASE_URL/);
    expect(() => parseEnv({ ...valid, SHOPIFY_APP_URL: "not a url" })).toThrow(/SHOPIFY_APP_URL/);
  });

  it("operations settings: pool size, metrics token", () => {
    const defaults = parseEnv(valid);
    expect(defaults.DATABASE_POOL_MAX).toBe(10);
    expect(defaults.METRICS_TOKEN).toBeUndefined();
    expect(parseEnv({ ...valid, DATABASE_POOL_MAX: "25", METRICS_TOKEN: "a".repeat(16) })).toMatchObject({
      DATABASE_POOL_MAX: 25,
      METRICS_TOKEN: "a".repeat(16),
    });
    expect(() => parseEnv({ ...valid, DATABASE_POOL_MAX: "0" })).toThrow(/DATABASE_POOL_MAX/);
    expect(() => parseEnv({ ...valid, METRICS_TOKEN: "short" })).toThrow(
      /METRICS_TOKEN: must be at least 16 characters/,
    );
  });

  it("initiator certificates: PEM text (line breaks as \\n too) or a PEM/DER file path; unusable ones named", () => {
    const defaults = parseEnv(valid);
    expect(defaults.DARAJA_SANDBOX_CERTIFICATE).toBeUndefined();
    expect(defaults.DARAJA_PRODUCTION_CERTIFICATE).toBeUndefined();
    const subject = (pem: string | undefined) => new X509Certificate(pem!).subject;
    const expected = new X509Certificate(SANDBOX_CERTIFICATE).subject;
    expect(
      subject(parseEnv({ ...valid, DARAJA_SANDBOX_CERTIFICATE: SANDBOX_CERTIFICATE }).DARAJA_SANDBOX_CERTIFICATE),
    ).toBe(expected);
    const oneLine = SANDBOX_CERTIFICATE.trim().replace(/\n/g, "\\n");
    expect(subject(parseEnv({ ...valid, DARAJA_PRODUCTION_CERTIFICATE: oneLine }).DARAJA_PRODUCTION_CERTIFICATE)).toBe(
      expected,
    );
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "daraja-cert-"));
    try {
      const pemFile = path.join(dir, "sandbox.pem");
      const derFile = path.join(dir, "production.cer");
      fs.writeFileSync(pemFile, SANDBOX_CERTIFICATE);
      fs.writeFileSync(derFile, new X509Certificate(SANDBOX_CERTIFICATE).raw);
      const fromFiles = parseEnv({
        ...valid,
        DARAJA_SANDBOX_CERTIFICATE: pemFile,
        DARAJA_PRODUCTION_CERTIFICATE: derFile,
      });
      expect(subject(fromFiles.DARAJA_SANDBOX_CERTIFICATE)).toBe(expected);
      expect(subject(fromFiles.DARAJA_PRODUCTION_CERTIFICATE)).toBe(expected);
      expect(fromFiles.DARAJA_PRODUCTION_CERTIFICATE).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
      const junk = path.join(dir, "junk.cer");
      fs.writeFileSync(junk, "not a certificate");
      expect(() => parseEnv({ ...valid, DARAJA_PRODUCTION_CERTIFICATE: junk })).toThrow(
        /DARAJA_PRODUCTION_CERTIFICATE: .*junk\.cer holds neither a PEM nor a DER certificate/,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    expect(() => parseEnv({ ...valid, DARAJA_SANDBOX_CERTIFICATE: "/nowhere/cert.cer" })).toThrow(
      /DARAJA_SANDBOX_CERTIFICATE: must be a PEM certificate .*cannot read \/nowhere\/cert\.cer \(ENOENT\)/,
    );
    expect(() =>
      parseEnv({ ...valid, DARAJA_SANDBOX_CERTIFICATE: "-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----" }),
    ).toThrow(/DARAJA_SANDBOX_CERTIFICATE: is not a usable PEM certificate or public key/);
  });

  it("refuses sandbox mode in production", () => {
    expect(() => parseEnv({ ...valid, NODE_ENV: "production", SANDBOX_MODE: "true" })).toThrow(
      /sandbox mode cannot run with NODE_ENV=production/,
    );
  });

  it("L4: refuses sandbox mode unless the server is bound to loopback, whatever NODE_ENV", () => {
    for (const HOST of [undefined, "0.0.0.0", "::", "192.168.1.10", "app.example.com"]) {
      expect(() => parseEnv({ ...valid, SANDBOX_MODE: "true", ...(HOST ? { HOST } : {}) })).toThrow(
        /SANDBOX_MODE: .*only runs bound to loopback/,
      );
    }
    for (const HOST of ["127.0.0.1", "localhost", "::1", "[::1]", "127.0.0.2"]) {
      expect(parseEnv({ ...valid, SANDBOX_MODE: "true", HOST }).SANDBOX_MODE).toBe(true);
    }
  });

  it("M6: X-Forwarded-For trust needs a proxy list; a bad entry or a bare hop count is refused", () => {
    expect(() => parseEnv({ ...valid, TRUSTED_PROXY_HOPS: "1" })).toThrow(/TRUSTED_PROXY_HOPS: .*TRUSTED_PROXIES/);
    expect(() => parseEnv({ ...valid, TRUSTED_PROXIES: "10.0.0.0/33" })).toThrow(/TRUSTED_PROXIES/);
    expect(
      parseEnv({ ...valid, TRUSTED_PROXIES: "10.0.0.0/8, loopback", TRUSTED_PROXY_HOPS: "2" }).TRUSTED_PROXY_HOPS,
    ).toBe(2);
  });
});
