import { logger } from "../../../lib/logger.server";
import { MalformedPayloadError, parseStkCallback } from "../../daraja";
import { enqueueJob } from "../../jobs/queue.server";
import { sourceAllowed } from "../callback-source.server";
import { findAttemptByTokenHash } from "../attempts.server";
import { hashCallbackToken, looksLikeCallbackToken } from "../callback-token.server";
import type { PaymentsConfig, PaymentsDeps } from "../deps.server";

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

export type StoreCallbackDeps = Pick<PaymentsDeps, "db" | "now"> & { config: Pick<PaymentsConfig, "callbackAllowlist"> };

export async function storeStkCallback(deps: StoreCallbackDeps, cb: InboundCallback): Promise<CallbackAnswer> {
  const tokenHash = looksLikeCallbackToken(cb.token) ? hashCallbackToken(cb.token) : null;
  const base = { kind: "STK", path: cb.path, tokenHash, sourceIp: cb.sourceIp, headers: JSON.stringify(cb.headers), body: cb.body };
  const keep = (status: string, error: string, extra: { attemptId?: string; shopDomain?: string } = {}) =>
    deps.db.callbackLog.create({ data: { ...base, ...extra, status, error, processedAt: deps.now() } });
  const log = logger.child({ callbackPath: "stk", sourceIp: cb.sourceIp });

  const attempt = tokenHash ? await findAttemptByTokenHash(deps.db, tokenHash) : null;
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
  // Two single-statement writes, no transaction: the stored row is the record of truth, and a crash
  // between the two is repaired by requeueOrphanCallbacks (the recovery sweep). This keeps the
  // acknowledgement path short on SQLite, where a transaction serializes the whole process.
  const row = await deps.db.callbackLog.create({ data: { ...base, ...scope, status: "RECEIVED" } });
  await enqueueCallbackJob(deps, row.id, attempt.shopDomain);
  return ACCEPTED;
}

function enqueueCallbackJob(deps: Pick<PaymentsDeps, "db">, callbackLogId: string, shopDomain: string | null) {
  return enqueueJob(deps.db, {
    type: "process-stk-callback",
    payload: { callbackLogId },
    dedupeKey: `stk-callback:${callbackLogId}`,
    shopDomain,
  });
}

/** Stored callbacks still RECEIVED a while after arrival get their job (again: enqueue is idempotent). */
export async function requeueOrphanCallbacks(deps: Pick<PaymentsDeps, "db" | "now">, olderThanMs = 30_000): Promise<number> {
  const rows = await deps.db.callbackLog.findMany({
    where: { kind: "STK", status: "RECEIVED", receivedAt: { lte: new Date(deps.now().getTime() - olderThanMs) } },
    select: { id: true, shopDomain: true },
    take: 500,
  });
  let requeued = 0;
  for (const r of rows) if ((await enqueueCallbackJob(deps, r.id, r.shopDomain)).created) requeued++;
  return requeued;
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
