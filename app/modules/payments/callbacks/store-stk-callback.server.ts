import { logger } from "../../../lib/logger.server";
import { MalformedPayloadError, parseStkCallback } from "../../daraja";
import { enqueueJob } from "../../jobs/queue.server";
import { sourceAllowed } from "../callback-source.server";
import { hashCallbackToken, looksLikeCallbackToken } from "../callback-token.server";
import type { PaymentsDeps } from "../deps.server";

// Use case "a Daraja STK callback arrives". Store first — raw body, headers, source address — then
// answer. Processing happens in the `process-stk-callback` job that starts from the stored row, so a
// crash or restart at any point after the insert loses nothing (Daraja never re-sends a callback).

export interface InboundCallback {
  token: string;
  path: string;
  body: string; // raw text (at most CALLBACK_MAX_BYTES of it when tooLarge)
  tooLarge: boolean;
  headers: Record<string, string>;
  sourceIp: string | null;
}

export type CallbackAnswer = { httpStatus: 200 | 400 | 403 | 413; body: Record<string, unknown> };

export const ACCEPTED: CallbackAnswer = { httpStatus: 200, body: { ResultCode: 0, ResultDesc: "Accepted" } };

export async function storeStkCallback(deps: PaymentsDeps, cb: InboundCallback): Promise<CallbackAnswer> {
  const tokenHash = looksLikeCallbackToken(cb.token) ? hashCallbackToken(cb.token) : null;
  const base = { kind: "STK", path: cb.path, tokenHash, sourceIp: cb.sourceIp, headers: JSON.stringify(cb.headers), body: cb.body };
  const keep = (status: string, error: string, extra: { attemptId?: string; shopDomain?: string } = {}) =>
    deps.db.callbackLog.create({ data: { ...base, ...extra, status, error, processedAt: deps.now() } });
  const log = logger.child({ callbackPath: "stk", sourceIp: cb.sourceIp });

  const attempt = tokenHash ? await deps.db.paymentAttempt.findUnique({ where: { callbackTokenHash: tokenHash } }) : null;
  if (!attempt) {
    // Acknowledge: a forger learns nothing, and a genuine-but-stale callback is kept for review.
    await keep("IGNORED", "unknown callback token");
    log.warn("STK callback with unknown token ignored");
    return ACCEPTED;
  }
  const scope = { attemptId: attempt.id, shopDomain: attempt.shopDomain };
  if (cb.tooLarge) {
    await keep("REJECTED", "body larger than CALLBACK_MAX_BYTES (first bytes kept)", scope);
    log.warn({ attemptId: attempt.id }, "oversized STK callback rejected");
    return { httpStatus: 413, body: { ResultCode: 1, ResultDesc: "Payload too large" } };
  }
  if (!sourceAllowed(attempt.environment, cb.sourceIp, deps.config.callbackAllowlist)) {
    await keep("REJECTED", `source address ${cb.sourceIp ?? "unknown"} is not an allowed Daraja callback address`, scope);
    log.warn({ attemptId: attempt.id }, "STK callback from a disallowed source rejected");
    return { httpStatus: 403, body: { ResultCode: 1, ResultDesc: "Source not allowed" } };
  }
  const problem = malformation(cb.body);
  if (problem) {
    await keep("REJECTED", problem, scope);
    log.warn({ attemptId: attempt.id, problem }, "malformed STK callback rejected");
    return { httpStatus: 400, body: { ResultCode: 1, ResultDesc: problem } };
  }
  await deps.db.$transaction(async (tx) => {
    const row = await tx.callbackLog.create({ data: { ...base, ...scope, status: "RECEIVED" } });
    await enqueueJob(tx, {
      type: "process-stk-callback",
      payload: { callbackLogId: row.id },
      dedupeKey: `stk-callback:${row.id}`,
      shopDomain: attempt.shopDomain,
    });
  });
  return ACCEPTED;
}

function malformation(body: string): string | null {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return "body is not valid JSON";
  }
  try {
    parseStkCallback(json);
    return null;
  } catch (error) {
    if (error instanceof MalformedPayloadError) return `not an STK callback: ${error.issues.join("; ")}`.slice(0, 500);
    throw error;
  }
}
