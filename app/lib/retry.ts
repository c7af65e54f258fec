// The one retry rule of the app (jobs, Shopify Admin calls, Daraja queries): exponential backoff with
// "equal jitter" — half the window fixed, half random — so retries spread out but never collapse to 0,
// and a delay the far side asked for (Retry-After, Shopify's throttle restore time) is never undercut.

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

/** Retry-After header value (delta seconds or an HTTP date) in milliseconds, or null. */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}
