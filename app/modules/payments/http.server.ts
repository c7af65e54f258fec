import { AppError } from "../../lib/errors";
import { env } from "../../lib/env.server";
import type { PayErrorCode } from "@mpesa-checkout/pay-contract";
import { logger } from "../../lib/logger.server";

// HTTP helpers for the payment routes (kept beside the use cases so the routes stay thin). No
// app-framework imports here: the routes authenticate (app/lib/extension-auth.server.ts).

export function errorJson(status: number, code: PayErrorCode, message: string, headers: Record<string, string> = {}) {
  return Response.json({ error: { code, message } }, { status, headers });
}

/**
 * Runs a use case; a far side that is down (any AppError that is not final: Shopify throttling/5xx/
 * timeout, Daraja unreachable) becomes a 503 the extension shows as "try again", with the far side's
 * own delay when it named one. Anything else stays a 500 (a bug, logged by Remix).
 */
export async function unlessFarSideDown(fn: () => Promise<Response>): Promise<Response> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof Response) throw error;
    if (error instanceof AppError && error.kind !== "final") {
      logger.warn({ err: error.message, kind: error.kind }, "far side unavailable");
      const seconds = error.retryAfterMs ? Math.ceil(error.retryAfterMs / 1000) : env().PAY_RETRY_AFTER_SECONDS;
      return errorJson(503, "TEMPORARILY_UNAVAILABLE", "The payment service is busy. Please try again in a moment.", {
        "Retry-After": String(seconds),
      });
    }
    throw error;
  }
}
