import { DarajaAuthError, DarajaError } from "./errors";
import { exchange } from "./http";
import type { StoredToken, TokenStore } from "./token-store";
import type { Clock, DarajaLogger } from "./types";

// OAuth with a shared cache: one token per credential set (token-store.ts), refreshed shortly before
// it expires; one fetch in flight per key for every client in the process that shares the store and,
// when the store offers a refresh claim, one fetch per token lifetime across app instances.

interface KeyState {
  memo?: StoredToken; // avoids a store round trip per call when the store is remote
  inflight?: Promise<string>;
}
const states = new WeakMap<TokenStore, Map<string, KeyState>>();

function stateFor(store: TokenStore, key: string): KeyState {
  let byKey = states.get(store);
  if (!byKey) states.set(store, (byKey = new Map()));
  let s = byKey.get(key);
  if (!s) byKey.set(key, (s = {}));
  return s;
}

/** Use a token until `margin` before expiry: 10% of its lifetime, at most a minute. */
export function usableUntil(now: Date, expiresIn: unknown): Date {
  // expires_in arrives as "3599" or 3599; anything unreadable falls back to the documented hour.
  const parsed = Number(expiresIn);
  const ttl = Number.isFinite(parsed) && parsed > 0 ? parsed : 3599;
  const margin = Math.min(60, ttl * 0.1);
  return new Date(now.getTime() + (ttl - margin) * 1000);
}

const REFRESH_POLL_MS = 100;
/** How long a refresh claim holds: the OAuth request's own bound, plus slack for the store writes. */
const leaseMs = (o: { timeoutMs: number }) => o.timeoutMs + 5_000;

export interface AccessTokenSource {
  get(): Promise<string>;
  /** The token was refused by an API: forget it (only if it is still the current one). */
  invalidate(token: string): Promise<void>;
}

export interface AccessTokenOptions {
  baseUrl: string;
  consumerKey: string;
  consumerSecret: string;
  fetch: typeof fetch;
  timeoutMs: number;
  clock: Clock;
  store: TokenStore;
  cacheKey: string;
  logger: DarajaLogger;
}

export function createAccessTokenSource(o: AccessTokenOptions): AccessTokenSource {
  const state = stateFor(o.store, o.cacheKey);
  const fresh = (t: StoredToken | null | undefined): t is StoredToken =>
    !!t && t.expiresAt.getTime() > o.clock.now().getTime();

  async function load(): Promise<string> {
    const waitUntil = Date.now() + leaseMs(o);
    for (;;) {
      const stored = await o.store.get(o.cacheKey);
      if (fresh(stored)) return (state.memo = stored).token;
      // Past the wait bound (a holder that died keeps its claim until the lease ends) fetch anyway.
      if (Date.now() > waitUntil || (await claim())) return refresh();
      await new Promise((r) => setTimeout(r, REFRESH_POLL_MS)); // another instance is fetching
    }
  }

  async function claim(): Promise<boolean> {
    if (!o.store.claimRefresh) return true;
    const now = o.clock.now();
    return o.store.claimRefresh(o.cacheKey, now, new Date(now.getTime() + leaseMs(o)));
  }

  async function refresh(): Promise<string> {
    try {
      // Claimed: another instance may have stored a token between our read and the claim.
      const stored = await o.store.get(o.cacheKey);
      const issued = fresh(stored) ? stored : await requestToken(o);
      if (issued !== stored) await o.store.set(o.cacheKey, issued);
      state.memo = issued;
      return issued.token;
    } finally {
      await o.store.releaseRefresh?.(o.cacheKey);
    }
  }

  return {
    async get() {
      if (fresh(state.memo)) return state.memo.token;
      state.inflight ??= load().finally(() => {
        state.inflight = undefined;
      });
      return state.inflight;
    },
    async invalidate(token) {
      if (state.memo?.token === token) state.memo = undefined;
      await o.store.delete(o.cacheKey, token);
    },
  };
}

async function requestToken(o: AccessTokenOptions): Promise<StoredToken> {
  const basic = Buffer.from(`${o.consumerKey}:${o.consumerSecret}`, "utf8").toString("base64");
  const answer = await exchange(o.fetch, {
    method: "GET",
    url: `${o.baseUrl}/oauth/v1/generate?grant_type=client_credentials`,
    headers: { Authorization: `Basic ${basic}`, Accept: "application/json" },
    timeoutMs: o.timeoutMs,
    unsafe: false, // nothing business-related has been sent yet
  });
  const body = (answer.body ?? {}) as Record<string, unknown>;
  if (answer.status === 400 || answer.status === 401 || answer.status === 403) {
    // Wrong key/secret or the other environment's keys. Daraja and the emulator use either the
    // errorCode/errorMessage envelope or resultCode/resultDesc.
    throw new DarajaAuthError({
      httpStatus: answer.status,
      errorCode: str(body.errorCode ?? body.resultCode),
      errorMessage: str(body.errorMessage ?? body.resultDesc) ?? (answer.text.slice(0, 200) || "OAuth refused"),
      requestId: str(body.requestId),
    });
  }
  const token = str(body.access_token);
  if (answer.status !== 200 || !token) {
    throw new DarajaError({
      httpStatus: answer.status,
      errorCode: str(body.errorCode),
      errorMessage: str(body.errorMessage) ?? `OAuth answered without an access token: ${answer.text.slice(0, 200)}`,
      requestId: str(body.requestId),
      kind: "retryable",
    });
  }
  o.logger.debug({ cacheKeyHost: new URL(o.baseUrl).host }, "daraja: new access token issued");
  return { token, expiresAt: usableUntil(o.clock.now(), body.expires_in) };
}

function str(v: unknown): string | null {
  return v === undefined || v === null || v === "" ? null : String(v);
}
