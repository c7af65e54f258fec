import { kindOf, retryAfterOf } from "./errors";

// The one retry rule of the app (jobs, Shopify Admin calls, Daraja queries): exponential backoff with
// "equal jitter" — half the window fixed, half random — so retries spread out but never collapse to 0,
// and a delay the far side asked for (Retry-After, Shopify's throttle restore time, a poll interval)
// is honoured as given. Whether to retry at all is decided by the error's kind (app/lib/errors.ts).

export interface BackoffOptions {
  baseMs?: number; // delay window of the first retry
  maxMs?: number; // cap for the window
  random?: () => number; // injectable for tests
}

/** Delay before retry number `retry` (1 = the first retry). */
export function backoffDelayMs(retry: number, opts: BackoffOptions = {}, requestedMs?: number | null): number {
  const { baseMs = 1000, maxMs = 15 * 60_000, random = Math.random } = opts;
  const window = Math.min(maxMs, baseMs * 2 ** Math.max(0, retry - 1));
  const delay = Math.round(window / 2 + (random() * window) / 2);
  return Math.max(delay, requestedMs ?? 0);
}

export type RetryDecision =
  { retry: true; delayMs: number; planned: boolean } | { retry: false; reason: "final" | "exhausted" };

/**
 * What to do after `error` on attempt number `attempt` (1 = the first run) of at most `maxAttempts`:
 * `final` errors stop at once; anything else is retried until the attempts run out — `unknown-outcome`
 * too, because every caller of this rule (jobs) reconciles before it acts again. A delay the error asks
 * for (retryAfterMs) is a plan, not a failure: used as is (`planned`), without backoff.
 */
export function retryDecision(
  error: unknown,
  attempt: number,
  maxAttempts: number,
  opts: BackoffOptions = {},
): RetryDecision {
  if (kindOf(error) === "final") return { retry: false, reason: "final" };
  if (attempt >= maxAttempts) return { retry: false, reason: "exhausted" };
  const requested = retryAfterOf(error);
  if (requested !== null) return { retry: true, delayMs: requested, planned: true };
  return { retry: true, delayMs: backoffDelayMs(attempt, opts), planned: false };
}

/** Retry-After header value (delta seconds or an HTTP date) in milliseconds, or null. */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}
