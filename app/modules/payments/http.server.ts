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
 * The request body as text, reading at most `max` bytes: a hostile sender cannot make us buffer
 * more than that (Content-Length is not trusted; the stream is cut). `tooLarge` keeps the first bytes.
 */
export async function readBoundedBody(request: Request, max: number): Promise<{ text: string; tooLarge: boolean }> {
  if (!request.body) return { text: "", tooLarge: false };
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let tooLarge = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (tooLarge) {
      // Discard the rest so the sender can read our 413 (cutting the socket mid-upload loses it),
      // but only up to a bound: past it, a hostile sender just gets the connection closed.
      size += value.byteLength;
      if (size > max * 16) {
        await reader.cancel().catch(() => {});
        break;
      }
      continue;
    }
    tooLarge = size + value.byteLength > max;
    chunks.push(tooLarge ? value.subarray(0, max - size) : value);
    size += value.byteLength;
  }
  return { text: Buffer.concat(chunks).toString("utf8"), tooLarge };
}

const DROPPED_HEADERS = new Set(["authorization", "cookie", "proxy-authorization"]);

export function safeHeaders(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, key) => {
    if (!DROPPED_HEADERS.has(key.toLowerCase())) out[key] = value;
  });
  return out;
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
