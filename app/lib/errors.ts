// The one error model of the app. Every failure that crosses a module boundary (Daraja, Shopify,
// jobs, settings) is an AppError, and callers decide by `kind` alone — never by class family or
// message text:
//   retryable        — nothing happened (or it is safe to do again): try again later;
//   final            — trying again cannot help (bad input, refused, not configured): stop, make it visible;
//   unknown-outcome  — the request may have been acted on (money may have moved): reconcile first
//                      (query, re-read), never resend blindly.
// `retryAfterMs` is a delay the far side (or our own plan: "poll again in 15 s") asked for; the
// retry rule in app/lib/retry.ts never undercuts it. Pure: no imports, so daraja/ may use it too.

export type ErrorKind = "retryable" | "final" | "unknown-outcome";

export interface AppErrorOptions {
  kind: ErrorKind;
  retryAfterMs?: number | null;
  cause?: unknown;
}

export class AppError extends Error {
  readonly kind: ErrorKind;
  readonly retryAfterMs: number | null;
  constructor(message: string, opts: AppErrorOptions) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "AppError";
    this.kind = opts.kind;
    this.retryAfterMs = opts.retryAfterMs ?? null;
  }
}

/** The kind of any thrown value: an AppError's own; anything else (a bug, a driver error) is retryable. */
export function kindOf(error: unknown): ErrorKind {
  return error instanceof AppError ? error.kind : "retryable";
}

export function retryAfterOf(error: unknown): number | null {
  return error instanceof AppError ? error.retryAfterMs : null;
}

/**
 * The shop has no (usable) M-PESA settings: the same decision everywhere — final. Nothing the app
 * can do by waiting makes a shop configured, so jobs go to dead-letter (visible) at once, and the
 * shopper-facing routes answer SHOP_NOT_CONFIGURED.
 */
export class ShopNotConfiguredError extends AppError {
  readonly shop: string;
  constructor(shop: string, detail = "has no M-PESA settings") {
    super(`shop ${shop} ${detail}`, { kind: "final" });
    this.name = "ShopNotConfiguredError";
    this.shop = shop;
  }
}
