// Where access tokens live. Daraja may revoke a token when another is issued for the same consumer
// key (reference §1, unconfirmed), so several app instances must share ONE token per
// (environment, consumer key): production passes a shared store (token-store.prisma.server.ts).

export interface StoredToken {
  token: string;
  expiresAt: Date; // when we stop using it (already shortened by the refresh margin)
}

export interface TokenStore {
  get(cacheKey: string): Promise<StoredToken | null>;
  set(cacheKey: string, value: StoredToken): Promise<void>;
  /**
   * Forget the token. With `onlyToken`, delete only if the stored token is still that one, so an
   * instance reporting a stale token does not throw away the fresh one another instance just stored.
   */
  delete(cacheKey: string, onlyToken?: string): Promise<void>;
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

export function tokenCacheKey(baseUrl: string, consumerKey: string): string {
  return `${new URL(baseUrl).origin}|${consumerKey}`;
}
