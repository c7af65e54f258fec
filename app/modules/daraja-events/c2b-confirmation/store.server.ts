import { logger } from "../../../lib/logger.server";
import { MalformedPayloadError, parseC2bConfirmationAsReceived } from "../../daraja";
import { hashCallbackToken, looksLikeCallbackToken } from "../common/callback-token.server";
import type { EventsDeps } from "../common/deps.server";
import type { C2bConfirmationAnswer } from "./answers";

// Store step of "a paybill/till confirmation arrives" (POST /daraja/c2b/<token>/confirmation). Store
// first — raw body, headers, source — then answer; the stored RECEIVED row is the work item the worker
// applies (apply.server.ts). The common case is one statement: the INSERT … SELECT that resolves the
// receiving account's token (common/inbox.server.ts storeForAccount).

export const C2B_CONFIRMATION_KIND = "C2B_CONFIRMATION";
export const C2B_CONFIRMATION_PATH = "/daraja/c2b/:token/confirmation";

export interface InboundC2b {
  token: string;
  body: string;
  tooLarge: boolean;
  size: number;
  headers: Record<string, string>;
  sourceIp: string | null;
}

export async function receiveC2bConfirmation(deps: EventsDeps, req: InboundC2b): Promise<C2bConfirmationAnswer> {
  const tokenHash = looksLikeCallbackToken(req.token) ? hashCallbackToken(req.token) : null;
  const ipAllowed = !!req.sourceIp && deps.config.allowlist.includes(req.sourceIp);
  const read = req.tooLarge ? null : readBody(req.body);
  const answer: C2bConfirmationAnswer = req.tooLarge
    ? { kind: "too_large" }
    : read && "problem" in read
      ? { kind: "malformed", problem: read.problem }
      : { kind: "accepted" };
  const event = {
    kind: C2B_CONFIRMATION_KIND,
    path: C2B_CONFIRMATION_PATH,
    tokenHash: tokenHash ?? "",
    sourceIp: req.sourceIp,
    headers: req.headers,
    body: req.body,
    sourceAllowed: ipAllowed,
  };
  const stored = tokenHash
    ? await deps.inbox.storeForAccount(event, {
        shortCode: read && "shortCode" in read ? read.shortCode : "",
        ...(answer.kind === "too_large"
          ? { rejectWith: "body larger than CALLBACK_MAX_BYTES (first bytes kept)" }
          : answer.kind === "malformed"
            ? { rejectWith: answer.problem }
            : {}),
      })
    : null;
  if (!stored) {
    // Unknown token (or a production account and a source outside the allowlist): metadata only.
    await deps.keepUnknown({
      kind: C2B_CONFIRMATION_KIND,
      path: C2B_CONFIRMATION_PATH,
      tokenHash,
      sourceIp: req.sourceIp,
      sourceAllowed: ipAllowed,
      headers: req.headers,
      size: req.size,
    });
    return answer;
  }
  const log = logger.child({ callbackPath: "c2b-confirmation", accountId: stored.accountId, callbackLogId: stored.id });
  if (answer.kind !== "accepted") log.warn({ answer: answer.kind }, "C2B confirmation rejected (kept)");
  else if (stored.status === "REJECTED") {
    log.warn("C2B confirmation for another shortcode on this account's URL: kept, not applied");
    return { kind: "wrong_shortcode" };
  }
  return answer;
}

function readBody(body: string): { shortCode: string } | { problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { problem: "body is not valid JSON" };
  }
  try {
    return { shortCode: parseC2bConfirmationAsReceived(json).businessShortCode };
  } catch (error) {
    if (error instanceof MalformedPayloadError)
      return { problem: `not a C2B confirmation: ${error.issues.join("; ")}`.slice(0, 500) };
    throw error;
  }
}
