import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createSecretBox, SecretDecryptionError } from "./secret-box.server";

const key = () => randomBytes(32).toString("base64");

describe("secret box (AES-256-GCM envelopes)", () => {
  const k1 = key();
  const box = createSecretBox({ current: k1 });

  it("round-trips and never stores the plaintext", () => {
    const envelope = box.seal("bfb279f9aa9bdbcf", "shop/passkey");
    expect(envelope).toMatch(/^v1\.[0-9a-f]{8}\./);
    expect(envelope).not.toContain("bfb279f9aa9bdbcf");
    expect(box.open(envelope, "shop/passkey")).toBe("bfb279f9aa9bdbcf");
  });

  it("uses a fresh nonce for every seal", () => {
    expect(box.seal("same", "c")).not.toBe(box.seal("same", "c"));
  });

  it("refuses a tampered ciphertext with SecretDecryptionError", () => {
    const parts = box.seal("consumer-secret-value", "c").split(".");
    const ct = Buffer.from(parts[4], "base64url");
    ct[0] ^= 1;
    parts[4] = ct.toString("base64url");
    expect(() => box.open(parts.join("."), "c")).toThrow(SecretDecryptionError);
  });

  it("refuses an envelope moved to another shop or field", () => {
    const envelope = box.seal("secret", "a.myshopify.com/passkey");
    expect(() => box.open(envelope, "b.myshopify.com/passkey")).toThrow(/authentication_failed/);
    expect(() => box.open(envelope, "a.myshopify.com/consumerSecret")).toThrow(SecretDecryptionError);
  });

  it("names malformed, unknown-version and unknown-key envelopes", () => {
    expect(() => box.open("not an envelope", "c")).toThrow(/malformed/);
    expect(() => box.open(box.seal("x", "c").replace(/^v1/, "v9"), "c")).toThrow(/unsupported_version/);
    const other = createSecretBox({ current: key() });
    expect(() => box.open(other.seal("x", "c"), "c")).toThrow(/unknown_key/);
  });

  it("opens envelopes of the previous key and seals with the current one", () => {
    const k2 = key();
    const rotated = createSecretBox({ current: k2, previous: [k1] });
    const old = box.seal("secret", "c");
    expect(rotated.open(old, "c")).toBe("secret");
    expect(rotated.keyIdOf(old)).toBe(box.currentKeyId);
    expect(rotated.keyIdOf(rotated.seal("secret", "c"))).toBe(rotated.currentKeyId);
    expect(rotated.currentKeyId).not.toBe(box.currentKeyId);
  });
});
