import { createHash, createHmac } from "node:crypto";

// Where access tokens live. Daraja may revoke a token when another is issued for the same consumer
// key (unconfirmed; see docs/DARAJA.md), so several app instances must share ONE token per
// credential set: production passes a shared store (token-store.prisma.server.ts).

export interface StoredToken {
  token: string;
  expiresAt: Date; // when we stop using it (already shortened by the refresh margin)
}

export interface TokenStore {
  get(cacheKey: string): Promise<StoredToken | null>;
  /** Stores the token and releases a refresh claim held on the key. */
  set(cacheKey: string, value: StoredToken): Promise<void>;
  /**
   * Forget the token. With `onlyToken`, delete only if the stored token is still that one, so an
   * instance reporting a stale token does not throw away the fresh one another instance just stored.
   */
  delete(cacheKey: string, onlyToken?: string): Promise<void>;
  /**
   * Optional cross-instance refresh lock (a shared store implements it): true when this caller may
   * fetch a new token now; false while another holder's claim runs until its `until`. Stores
   * without it rely on the in-process single flight only.
   */
  claimRefresh?(cacheKey: string, now: Date, until: Date): Promise<boolean>;
  releaseRefresh?(cacheKey: string): Promise<void>;
}

export class InMemoryTokenStore implements TokenStore {
  private readonly tokens = new Map<string, StoredToken>();
  async get(cacheKey: string) {
    return this.tokens.get(cacheKey) ?? null;
  }
  async set(cacheKey: string, value: StoredToken) {
    this.tokens.set(cacheKey, value);
  }
  async delete(cacheKey: string, onlyToken?: string) {
    if (onlyToken === undefined || this.tokens.get(cacheKey)?.token === onlyToken) this.tokens.delete(cacheKey);
  }
}

/** Shared by every client created without a store, so clients built per request still share tokens. */
export const defaultTokenStore: TokenStore = new InMemoryTokenStore();

export interface TokenCredentials {
  baseUrl: string;
  consumerKey: string;
  consumerSecret: string;
}

/**
 * The cache key of a credential set: a hash of the environment's origin, the key AND the secret, so
 * a tenant who saves someone else's consumer key with a wrong secret never reaches their token.
 * With `hmacKey` (production: a key derived from ENCRYPTION_KEY) it is an HMAC, so a stored key
 * cannot be used to test guesses of the secret.
 */
export function tokenCacheKey(c: TokenCredentials, hmacKey?: string | Buffer): string {
  const material = [new URL(c.baseUrl).origin, c.consumerKey, c.consumerSecret].join("\n");
  const hash = hmacKey ? createHmac("sha256", hmacKey) : createHash("sha256");
  return hash.update(material, "utf8").digest("hex");
}
