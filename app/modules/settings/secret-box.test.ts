import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createSecretBox, SecretDecryptionError } from "./secret-box.server";

const key = () => randomBytes(32).toString("base64");

describe("secret box (AES-256-GCM envelopes)", () => {
  const k1 = key();
  const box = createSecretBox({ current: k1 });

  it("round-trips and never stores the plaintext", () => {
    const envelope = box.seal("bfb279f9aa9bdbcf", "shop/passkey");
    expect(envelope).toMatch(/^v2\.[0-9a-f]{8}\./);
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
    expect(() => box.open(box.seal("x", "c").replace(/^v2/, "v9"), "c")).toThrow(/unsupported_version/);
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

// An envelope exactly as the v1 box sealed it (AES-256-GCM with the master key itself).
function sealV1(masterB64: string, plaintext: string, context: string): string {
  const master = Buffer.from(masterB64, "base64");
  const keyId = createHash("sha256").update(master).digest("hex").slice(0, 8);
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", master, iv);
  cipher.setAAD(Buffer.from(`v1|${keyId}|${context}`, "utf8"));
  const ct = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return [
    "v1",
    keyId,
    iv.toString("base64url"),
    cipher.getAuthTag().toString("base64url"),
    ct.toString("base64url"),
  ].join(".");
}

describe("L6: separate keys derived from ENCRYPTION_KEY (HKDF)", () => {
  const master = key();
  const box = createSecretBox({ current: master });

  it("L6: v2 envelopes are not sealed with the master key itself", () => {
    const [, , iv, tag, ct] = box.seal("consumer-secret-value", "c").split(".");
    const decipher = createDecipheriv("aes-256-gcm", Buffer.from(master, "base64"), Buffer.from(iv, "base64url"));
    decipher.setAAD(Buffer.from(`v2|${box.currentKeyId}|c`, "utf8"));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    decipher.update(Buffer.from(ct, "base64url"));
    expect(() => decipher.final()).toThrow();
  });

  it("L6: v1 envelopes stay readable, keep their key id, and are not current (rotation re-seals them)", () => {
    const old = sealV1(master, "passkey-value", "shop/passkey");
    expect(box.open(old, "shop/passkey")).toBe("passkey-value");
    expect(box.keyIdOf(old)).toBe(box.currentKeyId);
    expect(box.isCurrent(old)).toBe(false);
    expect(box.isCurrent(box.seal("passkey-value", "shop/passkey"))).toBe(true);
    expect(() => box.open(old, "other/passkey")).toThrow(/authentication_failed/);
    const rotated = createSecretBox({ current: key(), previous: [master] });
    expect(rotated.open(old, "shop/passkey")).toBe("passkey-value");
    expect(rotated.isCurrent(old)).toBe(false);
  });
});
