import { logger } from "../../../lib/logger.server";
import { MalformedPayloadError, parseResult } from "../../daraja";
import { sourceAllowed } from "../common/callback-source.server";
import { hashCallbackToken, looksLikeCallbackToken } from "../common/callback-token.server";
import type { EventsDeps } from "../common/deps.server";
import type { InitiatorEventAnswer } from "./answers";

// Store step of "a Daraja initiator result (B2C, Reversal, Transaction Status, Account Balance) or
// queue time-out arrives" for a refund. Store first — raw body, headers, source address — then
// answer. The stored RECEIVED row is the work item the worker applies (apply.server.ts). The common
// case — well-formed body, known refund token, source accepted — is one statement (INSERT … SELECT
// from the refund the token belongs to).

export const RESULT_KIND = "RESULT";
export const QUEUE_TIMEOUT_KIND = "QUEUE_TIMEOUT";
export type InitiatorEventKind = typeof RESULT_KIND | typeof QUEUE_TIMEOUT_KIND;

// "verify": a receipt verification's Transaction Status (receipt-verification/), the rest a refund's.
export const INITIATOR_OPERATIONS = ["b2c", "reversal", "status", "balance", "verify"] as const;
export type InitiatorOperation = (typeof INITIATOR_OPERATIONS)[number];

/** The route pattern kept on the row (never the token): the operation tells the apply step what it reads. */
export const initiatorPath = (kind: InitiatorEventKind, op: string) =>
  `/daraja/${kind === RESULT_KIND ? "result" : "timeout"}/${op}/:token`;

export function operationOf(path: string): InitiatorOperation | null {
  const op = /^\/daraja\/(?:result|timeout)\/([a-z0-9]+)\/:token$/.exec(path)?.[1];
  return (INITIATOR_OPERATIONS as readonly string[]).includes(op ?? "") ? (op as InitiatorOperation) : null;
}

export interface InboundInitiatorEvent {
  kind: InitiatorEventKind;
  op: string;
  token: string;
  body: string; // raw text (at most CALLBACK_MAX_BYTES of it when tooLarge)
  tooLarge: boolean;
  size: number;
  headers: Record<string, string>;
  sourceIp: string | null;
}

const ACCEPTED: InitiatorEventAnswer = { kind: "accepted" };

export async function receiveInitiatorEvent(
  deps: EventsDeps,
  ev: InboundInitiatorEvent,
): Promise<InitiatorEventAnswer> {
  const knownOp = (INITIATOR_OPERATIONS as readonly string[]).includes(ev.op);
  const path = initiatorPath(ev.kind, knownOp ? ev.op : ":op");
  const tokenHash = knownOp && looksLikeCallbackToken(ev.token) ? hashCallbackToken(ev.token) : null;
  const ipAllowed = !!ev.sourceIp && deps.config.allowlist.includes(ev.sourceIp);
  const problem = ev.tooLarge ? null : malformation(ev.kind, ev.body);
  const answer: InitiatorEventAnswer = ev.tooLarge
    ? { kind: "too_large" }
    : problem
      ? { kind: "malformed", problem }
      : ACCEPTED;
  const event = {
    kind: ev.kind,
    path,
    tokenHash: tokenHash ?? "",
    sourceIp: ev.sourceIp,
    headers: ev.headers,
    body: ev.body,
    sourceAllowed: ipAllowed,
    owner: ev.op === "verify" ? ("verification" as const) : ("refund" as const),
  };

  if (answer === ACCEPTED && tokenHash && (await deps.inbox.storeForAttempt(event))) return ACCEPTED;

  // Rarer paths: find out why nothing was stored (or why the body is refused) and keep the evidence.
  const owner = tokenHash ? await ownerOf(deps, event.owner, tokenHash) : null;
  if (!owner && tokenHash && ev.op === "balance") {
    const stored = await storeForBalanceCheck(deps, ev, { path, tokenHash, ipAllowed, answer });
    if (stored) return answer;
  }
  if (!owner) {
    await deps.keepUnknown({
      kind: ev.kind,
      path,
      tokenHash,
      sourceIp: ev.sourceIp,
      sourceAllowed: ipAllowed,
      headers: ev.headers,
      size: ev.size,
    });
    return answer;
  }
  const { environment, refund } = owner; // a refund, or a verification (op "verify")
  const ownerKey = event.owner === "refund" ? "refundId" : "verificationId";
  const log = logger.child({ callbackPath: path, sourceIp: ev.sourceIp, [ownerKey]: refund.id });
  const keep = (status: string, error: string) =>
    deps.db.callbackLog.create({
      data: {
        kind: ev.kind,
        path,
        tokenHash,
        sourceIp: ev.sourceIp,
        headers: JSON.stringify(ev.headers),
        body: ev.body,
        refundId: event.owner === "refund" ? refund.id : null,
        shopDomain: refund.shopDomain,
        status,
        error,
        processedAt: deps.now(),
      },
    });
  if (answer.kind === "too_large") {
    await keep("REJECTED", "body larger than CALLBACK_MAX_BYTES (first bytes kept)");
    log.warn("oversized initiator result rejected");
  } else if (!sourceAllowed(environment, ev.sourceIp, deps.config.allowlist)) {
    await keep("REJECTED", `source address ${ev.sourceIp ?? "unknown"} is not an allowed Daraja callback address`);
    log.warn("initiator result from a disallowed source rejected (answered like any other)");
  } else if (answer.kind === "malformed") {
    await keep("REJECTED", answer.problem);
    log.warn({ problem: answer.problem }, "malformed initiator result rejected");
  } else if (!(await deps.inbox.storeForAttempt({ ...event, sourceAllowed: true }))) {
    throw new Error("initiator result could not be stored");
  }
  return answer;
}

/** The refund or verification a token belongs to, with the environment its source is judged by. */
async function ownerOf(deps: EventsDeps, owner: "refund" | "verification", tokenHash: string) {
  if (owner === "verification") {
    const v = await deps.db.receiptVerification.findUnique({
      where: { callbackTokenHash: tokenHash },
      select: { id: true, shopDomain: true, accountId: true },
    });
    if (!v) return null;
    const account = v.accountId
      ? await deps.db.mpesaAccount.findUnique({ where: { id: v.accountId }, select: { environment: true } })
      : null;
    return { refund: v, environment: account?.environment ?? "production" };
  }
  const refund = await deps.db.mpesaRefund.findUnique({
    where: { callbackTokenHash: tokenHash },
    select: { id: true, shopDomain: true },
  });
  if (!refund) return null;
  // Refunds go out through the shop's disbursement account, else its default account (refunds/refund-account.server.ts).
  const account =
    (await deps.db.mpesaAccount.findFirst({
      where: { shopDomain: refund.shopDomain, purpose: "DISBURSE" },
      select: { environment: true },
    })) ??
    (await deps.db.mpesaAccount.findUnique({
      where: { defaultForShop: refund.shopDomain },
      select: { environment: true },
    }));
  return { refund, environment: account?.environment ?? "production" };
}

function malformation(kind: InitiatorEventKind, body: string): string | null {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return "body is not valid JSON";
  }
  try {
    parseResult(json, kind === RESULT_KIND ? "Daraja result" : "QueueTimeOut notification");
    return null;
  } catch (error) {
    if (error instanceof MalformedPayloadError) return `not a Daraja result: ${error.issues.join("; ")}`.slice(0, 500);
    throw error;
  }
}

/**
 * An Account Balance answer for a settings "Test connection" (not a refund): the token is the one
 * the account's last balance request carried (MpesaAccount.balanceTokenHash). Stored raw first, as
 * every inbound event; the worker applies it (apply.server.ts). False: no account has this token.
 */
async function storeForBalanceCheck(
  deps: EventsDeps,
  ev: InboundInitiatorEvent,
  r: { path: string; tokenHash: string; ipAllowed: boolean; answer: InitiatorEventAnswer },
): Promise<boolean> {
  const account = await deps.db.mpesaAccount.findUnique({
    where: { balanceTokenHash: r.tokenHash },
    select: { id: true, shopDomain: true, environment: true },
  });
  if (!account) return false;
  const rejected =
    r.answer.kind === "too_large"
      ? "body larger than CALLBACK_MAX_BYTES (first bytes kept)"
      : !sourceAllowed(account.environment, ev.sourceIp, deps.config.allowlist)
        ? `source address ${ev.sourceIp ?? "unknown"} is not an allowed Daraja callback address`
        : r.answer.kind === "malformed"
          ? r.answer.problem
          : null;
  await deps.db.callbackLog.create({
    data: {
      kind: ev.kind,
      path: r.path,
      tokenHash: r.tokenHash,
      sourceIp: ev.sourceIp,
      headers: JSON.stringify(ev.headers),
      body: ev.body,
      accountId: account.id,
      shopDomain: account.shopDomain,
      status: rejected ? "REJECTED" : "RECEIVED",
      error: rejected,
      processedAt: rejected ? deps.now() : null,
    },
  });
  if (rejected)
    logger.warn({ callbackPath: r.path, accountId: account.id, problem: rejected }, "balance answer rejected");
  return true;
}
