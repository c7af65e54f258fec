import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

// AES-256-GCM envelopes for per-shop secrets.
//
//   v1.<keyId>.<iv>.<tag>.<ciphertext>      (iv/tag/ciphertext base64url)
//
// keyId is the first 8 hex digits of SHA-256(key): it tells which key sealed a value (so rotation
// can find what still needs re-encrypting) without revealing anything usable about the key.
// The version, key id and a caller-supplied context (shop + column) are authenticated as AAD, so
// an envelope copied to another shop or column fails to open instead of decrypting "successfully".

const VERSION = "v1";
const IV_BYTES = 12; // the GCM standard nonce size
const TAG_BYTES = 16;

export class SecretDecryptionError extends Error {
  constructor(
    public readonly reason: "malformed" | "unsupported_version" | "unknown_key" | "authentication_failed",
    detail: string,
  ) {
    super(`Cannot decrypt stored secret (${reason}): ${detail}`);
    this.name = "SecretDecryptionError";
  }
}

export interface SecretBox {
  /** Key id of the key new envelopes are sealed with. */
  readonly currentKeyId: string;
  seal(plaintext: string, context: string): string;
  /** Throws SecretDecryptionError; never returns garbage. */
  open(envelope: string, context: string): string;
  keyIdOf(envelope: string): string;
}

export function keyIdFor(key: Buffer): string {
  return createHash("sha256").update(key).digest("hex").slice(0, 8);
}

function decodeKey(base64: string): Buffer {
  const key = Buffer.from(base64, "base64");
  if (key.length !== 32) throw new Error("encryption keys must be 32 bytes, base64-encoded");
  return key;
}

/** `current` seals and opens; each of `previous` only opens (accepted during a key rotation). */
export function createSecretBox(opts: { current: string; previous?: (string | undefined)[] }): SecretBox {
  const current = decodeKey(opts.current);
  const currentKeyId = keyIdFor(current);
  const keys = new Map<string, Buffer>([[currentKeyId, current]]);
  for (const p of opts.previous ?? []) {
    if (!p) continue;
    const key = decodeKey(p);
    if (!keys.has(keyIdFor(key))) keys.set(keyIdFor(key), key);
  }
  const aad = (keyId: string, context: string) => Buffer.from(`${VERSION}|${keyId}|${context}`, "utf8");

  return {
    currentKeyId,
    seal(plaintext, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv("aes-256-gcm", current, iv);
      cipher.setAAD(aad(currentKeyId, context));
      const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
      const tag = cipher.getAuthTag();
      return [VERSION, currentKeyId, iv, tag, ciphertext]
        .map((p) => (typeof p === "string" ? p : p.toString("base64url")))
        .join(".");
    },
    open(envelope, context) {
      const { keyId, iv, tag, ciphertext } = parse(envelope);
      const key = keys.get(keyId);
      if (!key) {
        throw new SecretDecryptionError(
          "unknown_key",
          `sealed with key ${keyId}, which is neither ENCRYPTION_KEY nor ENCRYPTION_KEY_PREVIOUS`,
        );
      }
      try {
        const decipher = createDecipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
        decipher.setAAD(aad(keyId, context));
        decipher.setAuthTag(tag);
        return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString("utf8");
      } catch {
        throw new SecretDecryptionError("authentication_failed", "the ciphertext was altered or belongs elsewhere");
      }
    },
    keyIdOf(envelope) {
      return parse(envelope).keyId;
    },
  };
}

function parse(envelope: string) {
  const parts = envelope.split(".");
  if (parts[0] !== VERSION) {
    throw new SecretDecryptionError(
      parts.length === 5 ? "unsupported_version" : "malformed",
      `expected a ${VERSION} envelope`,
    );
  }
  if (parts.length !== 5 || !/^[0-9a-f]{8}$/.test(parts[1])) {
    throw new SecretDecryptionError("malformed", "the envelope does not have five parts");
  }
  const [iv, tag, ciphertext] = parts.slice(2).map((p) => Buffer.from(p, "base64url"));
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
    throw new SecretDecryptionError("malformed", "bad nonce or tag length");
  }
  return { keyId: parts[1], iv, tag, ciphertext };
}
