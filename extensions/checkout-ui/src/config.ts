// Build-time settings of the extension, kept in this one file.
//
// Shopify does not hand an extension its app's URL at run time. The CLI bundles extensions with
// esbuild and replaces `process.env.<NAME>` with the value of that variable in the CLI's own
// environment (Shopify/cli, services/extensions/bundle.ts); `shopify app dev` also sets APP_URL to
// the app's current (tunnel) URL. So:
//   - `shopify app dev`                                   -> APP_URL is the dev tunnel, automatically
//   - `APP_URL=https://mpesa.example.com shopify app deploy` (or `app build`) -> production URL
// When nothing was substituted (unit tests, a build without APP_URL), `process` does not exist in
// the extension's worker; the fallback below is then used, and it must be edited before a deploy
// that does not set APP_URL.
declare const process: { env: Record<string, string | undefined> };

const FALLBACK_APP_URL = "https://mpesa-checkout.example.com";

function injectedAppUrl(): string | undefined {
  try {
    return process.env.APP_URL; // replaced textually by the CLI's esbuild `define`
  } catch {
    return undefined; // no `process` in the worker: nothing was injected
  }
}

export const APP_URL = (injectedAppUrl() || FALLBACK_APP_URL).replace(/\/+$/, "");

/** Timings of the payment flow (milliseconds). */
export const TIMINGS = {
  /** Status polling while the STK Push is PENDING on the shopper's phone. */
  pollIntervalMs: 3_000,
  /** Stop polling after this long and offer a manual refresh (Daraja gives up after ~2 minutes). */
  pollGiveUpMs: 3 * 60_000,
  /** Backoff while the Admin API does not show the new order yet: first delay, then doubling. */
  orderNotFoundFirstDelayMs: 1_000,
  orderNotFoundMaxDelayMs: 8_000,
  /** After this long without the order, show a quiet "still preparing" note with a refresh. */
  orderNotFoundGiveUpMs: 2 * 60_000,
  /** Consecutive failed polls tolerated while waiting before "couldn't reach" is shown. */
  pollFailuresTolerated: 3,
} as const;

export type Timings = { [K in keyof typeof TIMINGS]: number };
