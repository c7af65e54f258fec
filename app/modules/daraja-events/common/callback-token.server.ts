import crypto from "node:crypto";

// Each attempt gets an unguessable token in its CallBackURL. Only the SHA-256 is stored, so a
// database leak does not let anyone forge callbacks; lookups by hash are exact-match (no timing oracle
// on the secret itself: the hash of a guess reveals nothing about the stored hash's preimage).

export function newCallbackToken(): { token: string; hash: string } {
  const token = crypto.randomBytes(24).toString("base64url");
  return { token, hash: hashCallbackToken(token) };
}

export function hashCallbackToken(token: string): string {
  return crypto.createHash("sha256").update(token, "utf8").digest("hex");
}

/** Tokens we issue are 32 base64url characters; anything else is not worth a database lookup. */
export function looksLikeCallbackToken(token: string): boolean {
  return /^[A-Za-z0-9_-]{32}$/.test(token);
}
