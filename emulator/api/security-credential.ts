// The initiator check of B2C, Reversal, Transaction Status and Account Balance (docs/DARAJA.md §4):
// SecurityCredential = base64(RSA PKCS#1 v1.5 encryption of the initiator password with the
// certificate's public key). The emulator holds the private key of its own certificate
// (initiator-key.ts) and compares what it decrypts with the initiator's password.
import { constants, createPrivateKey, privateDecrypt } from "node:crypto";
import { EMULATOR_PRIVATE_KEY } from "../initiator-key";

/** The public sandbox initiator's password: the password of every initiator not configured otherwise. */
export const SANDBOX_INITIATOR_PASSWORD = "Safaricom999!*!";

const privateKey = createPrivateKey(EMULATOR_PRIVATE_KEY);
const modulusBytes = 256; // RSA-2048

/**
 * The initiator password inside a SecurityCredential, or null when it is not one encrypted with the
 * emulator's certificate. Node 20 refuses RSA_PKCS1_PADDING for private decryption (CVE-2023-46809),
 * so the block is decrypted raw and the PKCS#1 v1.5 type-2 padding is checked here:
 * 0x00 0x02, at least 8 nonzero bytes, 0x00, message. (Not constant-time: an emulator holds no secret.)
 */
export function decryptSecurityCredential(credential: string): string | null {
  const trimmed = credential.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed)) return null;
  const block = Buffer.from(trimmed, "base64");
  if (block.length !== modulusBytes) return null;
  let raw: Buffer;
  try {
    raw = privateDecrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, block);
  } catch {
    return null; // e.g. a value not below the modulus
  }
  if (raw.length !== modulusBytes || raw[0] !== 0x00 || raw[1] !== 0x02) return null;
  const separator = raw.indexOf(0x00, 2);
  if (separator < 10) return null; // no separator, or fewer than 8 padding bytes
  return raw.subarray(separator + 1).toString("utf8");
}
