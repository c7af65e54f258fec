import { createAccessTokenSource, type AccessTokenSource } from "./access-token";
import { classifyErrorAnswer, isInvalidTokenAnswer, type ErrorAnswer } from "./classify";
import { DarajaError } from "./errors";
import { exchange, type HttpAnswer } from "./http";
import { defaultTokenStore, tokenCacheKey, type TokenStore } from "./token-store";
import {
  environmentOf,
  silentLogger,
  systemClock,
  type Clock,
  type DarajaEnvironment,
  type DarajaLogger,
} from "./types";

// The authenticated POST every operation goes through: bearer token, JSON body, one
// refresh-and-retry on an invalid-token answer, and typed errors for everything else.

export interface DarajaClientOptions {
  baseUrl: string; // https://sandbox.safaricom.co.ke | https://api.safaricom.co.ke | emulator URL
  consumerKey: string;
  consumerSecret: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
  clock?: Clock;
  tokenStore?: TokenStore;
  /** HMAC key for token cache keys (production: derived from ENCRYPTION_KEY); default plain SHA-256. */
  tokenKeySecret?: string | Buffer;
  logger?: DarajaLogger;
}

export type JsonObject = Record<string, unknown>;

export interface DarajaCore {
  environment: DarajaEnvironment;
  clock: Clock;
  tokens: AccessTokenSource;
  /** POST `body` to `path`; resolves with the 2xx JSON object, or throws a DarajaError. */
  post(path: string, body: JsonObject, opts: { unsafe: boolean; operation: string }): Promise<JsonObject>;
}

export const DEFAULT_TIMEOUT_MS = 30_000;

export function createCore(o: DarajaClientOptions): DarajaCore {
  const baseUrl = o.baseUrl.replace(/\/+$/, "");
  const fetchFn = o.fetch ?? globalThis.fetch;
  const timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const clock = o.clock ?? systemClock;
  const logger = o.logger ?? silentLogger;
  const tokens = createAccessTokenSource({
    baseUrl,
    consumerKey: o.consumerKey,
    consumerSecret: o.consumerSecret,
    fetch: fetchFn,
    timeoutMs,
    clock,
    store: o.tokenStore ?? defaultTokenStore,
    cacheKey: tokenCacheKey(
      { baseUrl, consumerKey: o.consumerKey, consumerSecret: o.consumerSecret },
      o.tokenKeySecret,
    ),
    logger,
  });

  async function send(path: string, body: JsonObject, token: string, unsafe: boolean) {
    return exchange(fetchFn, {
      method: "POST",
      url: `${baseUrl}${path}`,
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", Accept: "application/json" },
      body,
      timeoutMs,
      unsafe,
    });
  }

  return {
    environment: environmentOf(baseUrl),
    clock,
    tokens,
    async post(path, body, { unsafe, operation }) {
      const started = Date.now();
      let token = await tokens.get();
      let answer = await send(path, body, token, unsafe);
      let error = errorIn(answer);
      if (error && isInvalidTokenAnswer(error)) {
        // The gateway refuses these before M-PESA sees the request, so one resend cannot double-charge.
        logger.warn({ operation, errorCode: error.errorCode }, "daraja: access token refused, refreshing once");
        await tokens.invalidate(token);
        token = await tokens.get();
        answer = await send(path, body, token, unsafe);
        error = errorIn(answer);
      }
      logger.debug({ operation, status: answer.status, ms: Date.now() - started }, "daraja: call answered");
      if (error) {
        throw new DarajaError({ ...error, requestId: requestIdOf(answer), kind: classifyErrorAnswer(error, unsafe) });
      }
      return answer.body as JsonObject;
    },
  };
}

/** The error envelope of an answer, or null if it is a 2xx JSON object without an errorCode. */
function errorIn(a: HttpAnswer): ErrorAnswer | null {
  const body = a.body && typeof a.body === "object" && !Array.isArray(a.body) ? (a.body as JsonObject) : null;
  const ok = a.status >= 200 && a.status < 300 && body !== null && body.errorCode === undefined;
  if (ok) return null;
  return {
    httpStatus: a.status,
    errorCode: body?.errorCode != null ? String(body.errorCode) : null,
    errorMessage:
      body?.errorMessage != null
        ? String(body.errorMessage)
        : body?.fault
          ? JSON.stringify(body.fault).slice(0, 300)
          : a.text.slice(0, 300) || `HTTP ${a.status}`,
  };
}

function requestIdOf(a: HttpAnswer): string | null {
  const body = a.body as JsonObject | null;
  const id = body?.requestId ?? body?.RequestID ?? body?.RequestId;
  return id != null ? String(id) : null;
}
