import { hkdfSync } from "node:crypto";
import { env, type Env } from "./env.server";

// ENCRYPTION_KEY is a master key: nothing uses it directly. Each purpose gets its own key derived
// with HKDF-SHA256 (RFC 5869), so a key used for hashing (HMACs that end up in database keys) can
// never be turned against the encryption key, and vice versa.

export type KeyPurpose = "secret-box/aes-256-gcm" | "hashing/hmac-sha256";

export function deriveKey(master: Buffer, purpose: KeyPurpose): Buffer {
  return Buffer.from(hkdfSync("sha256", master, Buffer.alloc(0), `mpesa-checkout/${purpose}`, 32));
}

/** The key for keyed hashes (Daraja token cache keys, rate-limit keys of phone numbers). */
export function hashingKey(config: Env = env()): Buffer {
  return deriveKey(Buffer.from(config.ENCRYPTION_KEY, "base64"), "hashing/hmac-sha256");
}
