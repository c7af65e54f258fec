import crypto from "node:crypto";
import { hashingKey } from "../../lib/keys.server";
import { hashCallbackToken } from "../daraja-events/common/callback-token.server";

// Each verification's ResultURL / QueueTimeOutURL carries its own unguessable token (as a refund's):
// derived from the verification's id with the app's hashing key, only its SHA-256 is stored.

export function verificationCallbackToken(id: string, key: Buffer = hashingKey()): string {
  return crypto.createHmac("sha256", key).update(`verify-callback:${id}`).digest("base64url").slice(0, 32);
}

export const verificationTokenHash = (id: string, key?: Buffer) =>
  hashCallbackToken(verificationCallbackToken(id, key));

export function verificationUrls(baseUrl: string, id: string) {
  const base = baseUrl.replace(/\/$/, "");
  const token = verificationCallbackToken(id);
  return {
    resultUrl: `${base}/daraja/result/verify/${token}`,
    queueTimeOutUrl: `${base}/daraja/timeout/verify/${token}`,
  };
}
