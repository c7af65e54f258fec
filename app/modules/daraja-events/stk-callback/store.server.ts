import { logger } from "../../../lib/logger.server";
import { MalformedPayloadError, parseStkCallback } from "../../daraja";
import { sourceAllowed } from "../common/callback-source.server";
import { hashCallbackToken, looksLikeCallbackToken } from "../common/callback-token.server";
import type { EventsDeps } from "../common/deps.server";
import type { StkCallbackAnswer } from "./answers";

// Store step of "a Daraja STK callback arrives". Store first — raw body, headers, source address —
// then answer. The stored RECEIVED row is the work item the worker applies (apply.server.ts), so a
// crash at any point after the insert loses nothing (Daraja never re-sends a callback).
// The common case — well-formed body, known token, source accepted — is one statement.

export const STK_KIND = "STK";
export const STK_PATH = "/daraja/stk/:token";

export interface InboundCallback {
  token: string;
  body: string; // raw text (at most CALLBACK_MAX_BYTES of it when tooLarge)
  tooLarge: boolean;
  size: number; // bytes received
  headers: Record<string, string>;
  sourceIp: string | null;
}

const ACCEPTED: StkCallbackAnswer = { kind: "accepted" };

export async function receiveStkCallback(deps: EventsDeps, cb: InboundCallback): Promise<StkCallbackAnswer> {
  const tokenHash = looksLikeCallbackToken(cb.token) ? hashCallbackToken(cb.token) : null;
  const ipAllowed = !!cb.sourceIp && deps.config.allowlist.includes(cb.sourceIp);
  const problem = cb.tooLarge ? null : malformation(cb.body);
  const answer: StkCallbackAnswer = cb.tooLarge
    ? { kind: "too_large" }
    : problem
      ? { kind: "malformed", problem }
      : ACCEPTED;
  const event = {
    kind: STK_KIND,
    path: STK_PATH,
    tokenHash: tokenHash ?? "",
    sourceIp: cb.sourceIp,
    headers: cb.headers,
    body: cb.body,
    sourceAllowed: ipAllowed,
  };

  if (answer === ACCEPTED && tokenHash && (await deps.inbox.storeForAttempt(event))) return ACCEPTED;

  // Rarer paths: find out why nothing was stored (or why the body is refused) and keep the evidence.
  const attempt = tokenHash
    ? await deps.db.paymentAttempt.findUnique({
        where: { callbackTokenHash: tokenHash },
        select: { id: true, shopDomain: true, environment: true },
      })
    : null;
  if (!attempt) {
    await deps.keepUnknown({
      kind: STK_KIND,
      path: STK_PATH,
      tokenHash,
      sourceIp: cb.sourceIp,
      sourceAllowed: ipAllowed,
      headers: cb.headers,
      size: cb.size,
    });
    return answer;
  }
  const log = logger.child({ callbackPath: "stk", sourceIp: cb.sourceIp, attemptId: attempt.id });
  const keep = (status: string, error: string) =>
    deps.db.callbackLog.create({
      data: {
        kind: STK_KIND,
        path: STK_PATH,
        tokenHash,
        sourceIp: cb.sourceIp,
        headers: JSON.stringify(cb.headers),
        body: cb.body,
        attemptId: attempt.id,
        shopDomain: attempt.shopDomain,
        status,
        error,
        processedAt: deps.now(),
      },
    });
  if (answer.kind === "too_large") {
    await keep("REJECTED", "body larger than CALLBACK_MAX_BYTES (first bytes kept)");
    log.warn("oversized STK callback rejected");
  } else if (!sourceAllowed(attempt.environment, cb.sourceIp, deps.config.allowlist)) {
    await keep("REJECTED", `source address ${cb.sourceIp ?? "unknown"} is not an allowed Daraja callback address`);
    log.warn("STK callback from a disallowed source rejected (answered like any other)");
  } else if (answer.kind === "malformed") {
    await keep("REJECTED", answer.problem);
    log.warn({ problem: answer.problem }, "malformed STK callback rejected");
  } else {
    // Well-formed, allowed, yet the one-statement insert found no attempt: the attempt appeared in
    // between (cannot happen for a token we issued before pushing). Store it as work all the same.
    if (!(await deps.inbox.storeForAttempt({ ...event, sourceAllowed: true })))
      throw new Error("callback could not be stored");
  }
  return answer;
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
