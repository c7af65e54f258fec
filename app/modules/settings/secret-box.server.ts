import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { deriveKey } from "../../lib/keys.server";

// AES-256-GCM envelopes for per-shop secrets (and the other secrets at rest: offline session tokens,
// cached Daraja tokens).
//
//   v2.<keyId>.<iv>.<tag>.<ciphertext>      (iv/tag/ciphertext base64url)
//
// v2 encrypts with a key derived from ENCRYPTION_KEY by HKDF (lib/keys.server.ts), so the master key
// is never used for two purposes. v1 envelopes (sealed with the master key itself, before v2) still
// open; `isCurrent` is false for them, so `npm run secrets:rotate` re-seals them as v2.
// keyId is the first 8 hex digits of SHA-256(master key) in both versions: it tells which key sealed
// a value (so rotation can find what still needs re-encrypting) without revealing anything usable.
// The version, key id and a caller-supplied context (shop + column) are authenticated as AAD, so
// an envelope copied to another shop or column fails to open instead of decrypting "successfully".

const VERSION = "v2";
const VERSIONS = new Set(["v1", "v2"]);
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
  /** Sealed as `seal` would seal it today (current version and key): rotation leaves it alone. */
  isCurrent(envelope: string): boolean;
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
  const masters = new Map<string, Buffer>([[currentKeyId, current]]);
  for (const p of opts.previous ?? []) {
    if (!p) continue;
    const key = decodeKey(p);
    if (!masters.has(keyIdFor(key))) masters.set(keyIdFor(key), key);
  }
  const derived = new Map([...masters].map(([id, master]) => [id, deriveKey(master, "secret-box/aes-256-gcm")]));
  // v1 used the master key itself; v2 its derived encryption key.
  const keyFor = (version: string, keyId: string) => (version === "v1" ? masters : derived).get(keyId);
  const aad = (version: string, keyId: string, context: string) =>
    Buffer.from(`${version}|${keyId}|${context}`, "utf8");

  return {
    currentKeyId,
    seal(plaintext, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv("aes-256-gcm", derived.get(currentKeyId)!, iv);
      cipher.setAAD(aad(VERSION, currentKeyId, context));
      const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
      const tag = cipher.getAuthTag();
      return [VERSION, currentKeyId, iv, tag, ciphertext]
        .map((p) => (typeof p === "string" ? p : p.toString("base64url")))
        .join(".");
    },
    open(envelope, context) {
      const { version, keyId, iv, tag, ciphertext } = parse(envelope);
      const key = keyFor(version, keyId);
      if (!key) {
        throw new SecretDecryptionError(
          "unknown_key",
          `sealed with key ${keyId}, which is neither ENCRYPTION_KEY nor ENCRYPTION_KEY_PREVIOUS`,
        );
      }
      try {
        const decipher = createDecipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
        decipher.setAAD(aad(version, keyId, context));
        decipher.setAuthTag(tag);
        return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString("utf8");
      } catch {
        throw new SecretDecryptionError("authentication_failed", "the ciphertext was altered or belongs elsewhere");
      }
    },
    keyIdOf(envelope) {
      return parse(envelope).keyId;
    },
    isCurrent(envelope) {
      const { version, keyId } = parse(envelope);
      return version === VERSION && keyId === currentKeyId;
    },
  };
}

function parse(envelope: string) {
  const parts = envelope.split(".");
  if (!VERSIONS.has(parts[0])) {
    throw new SecretDecryptionError(
      parts.length === 5 ? "unsupported_version" : "malformed",
      `expected a v1 or ${VERSION} envelope`,
    );
  }
  if (parts.length !== 5 || !/^[0-9a-f]{8}$/.test(parts[1])) {
    throw new SecretDecryptionError("malformed", "the envelope does not have five parts");
  }
  const [iv, tag, ciphertext] = parts.slice(2).map((p) => Buffer.from(p, "base64url"));
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
    throw new SecretDecryptionError("malformed", "bad nonce or tag length");
  }
  return { version: parts[0], keyId: parts[1], iv, tag, ciphertext };
}
