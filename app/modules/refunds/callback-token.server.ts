import crypto from "node:crypto";
import { hashingKey } from "../../lib/keys.server";
import { hashCallbackToken } from "../daraja-events/common/callback-token.server";

// Each refund's ResultURL / QueueTimeOutURL carries its own unguessable token, like an STK
// attempt's CallBackURL. The requests are made later by jobs, so the token is derived from the
// refund's id with the app's hashing key (HKDF of ENCRYPTION_KEY) instead of being kept anywhere:
// only its SHA-256 is stored, and nobody without the key can compute another refund's token.

export function refundCallbackToken(refundId: string, key: Buffer = hashingKey()): string {
  return crypto.createHmac("sha256", key).update(`refund-callback:${refundId}`).digest("base64url").slice(0, 32);
}

export const refundCallbackTokenHash = (refundId: string, key?: Buffer) =>
  hashCallbackToken(refundCallbackToken(refundId, key));

export type RefundOperation = "b2c" | "reversal" | "status" | "balance";
export const REFUND_OPERATIONS: readonly RefundOperation[] = ["b2c", "reversal", "status", "balance"];

/** ResultURL and QueueTimeOutURL of one request of a refund (the operation is in the path). */
export function refundUrls(baseUrl: string, refundId: string, op: RefundOperation) {
  const base = baseUrl.replace(/\/$/, "");
  const token = refundCallbackToken(refundId);
  return {
    resultUrl: `${base}/daraja/result/${op}/${token}`,
    queueTimeOutUrl: `${base}/daraja/timeout/${op}/${token}`,
  };
}
