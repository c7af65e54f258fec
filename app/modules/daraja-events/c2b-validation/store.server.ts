import { logger } from "../../../lib/logger.server";
import { decideValidation, type ValidationDecision } from "../../c2b/validation.server";
import { MalformedPayloadError, parseC2bValidationAsReceived, type C2bPayment } from "../../daraja";
import { findReceivingAccountByC2bTokenHash } from "../../settings/accounts.server";
import { sourceAllowed } from "../common/callback-source.server";
import { hashCallbackToken, looksLikeCallbackToken } from "../common/callback-token.server";
import { SHORTCODE_MISMATCH } from "../common/inbox.server";
import type { EventsDeps } from "../common/deps.server";
import type { InboundC2b } from "../c2b-confirmation/store.server";
import type { C2bValidationAnswer } from "./answers";

// "M-PESA asks whether to take a paybill/till payment" (POST /daraja/c2b/<token>/validation). The
// answer is the whole of the work, and it must come fast: the token is resolved to the receiving
// account (settings' findReceivingAccountByC2bTokenHash), the decision is made from the app's own tables
// (c2b/validation.server.ts), and then ONE write (group-committed on SQLite) stores the raw request with the answer given — before
// the answer leaves. No work item follows: the payment itself arrives as a confirmation, applied
// whatever was answered here. (Deciding before storing keeps it one durable write; a crash while
// deciding leaves the request unanswered, and M-PESA then applies the ResponseType, below.)
//
// Time: Daraja waits about 8 s, then applies the account's ResponseType (Completed: take the money;
// Cancelled: refuse it). The app never leaves that to chance: a decision not reached within
// C2B_VALIDATION_BUDGET_MS is answered "accept", so our slowness never costs a payment (an unmatched
// one lands in the merchant's queue). The ResponseType only decides when the app cannot be reached.

export const C2B_VALIDATION_KIND = "C2B_VALIDATION";
export const C2B_VALIDATION_PATH = "/daraja/c2b/:token/validation";

export interface ValidationDeps extends EventsDeps {
  budgetMs: number;
  decide?: (shop: string, payment: C2bPayment) => Promise<ValidationDecision>;
}

export async function receiveC2bValidation(deps: ValidationDeps, req: InboundC2b): Promise<C2bValidationAnswer> {
  const started = Date.now();
  const tokenHash = looksLikeCallbackToken(req.token) ? hashCallbackToken(req.token) : null;
  const ipAllowed = !!req.sourceIp && deps.config.allowlist.includes(req.sourceIp);
  const read = req.tooLarge ? null : readBody(req.body);
  const refused = req.tooLarge
    ? "body larger than CALLBACK_MAX_BYTES (first bytes kept)"
    : read && "problem" in read
      ? read.problem
      : undefined;
  const payment = read && "payment" in read ? read.payment : null;
  const found = tokenHash ? await findReceivingAccountByC2bTokenHash(deps.db, tokenHash) : null;
  const account = found && sourceAllowed(found.environment, req.sourceIp, deps.config.allowlist) ? found : null;
  if (!account) {
    await deps.keepUnknown({
      kind: C2B_VALIDATION_KIND,
      path: C2B_VALIDATION_PATH,
      tokenHash,
      sourceIp: req.sourceIp,
      sourceAllowed: ipAllowed,
      headers: req.headers,
      size: req.size,
    });
    if (req.tooLarge) return { kind: "too_large" };
    if (refused) return { kind: "malformed", problem: refused };
    // Not our registration (an old URL?): do not stand between a customer and their payment.
    return { kind: "accept" };
  }
  const log = logger.child({ callbackPath: "c2b-validation", accountId: account.id });
  let answer: C2bValidationAnswer;
  let note: string;
  let status = "PROCESSED"; // REJECTED: a request we could not (or would not) judge
  if (req.tooLarge) {
    status = "REJECTED";
    answer = { kind: "too_large" };
    note = refused!;
  } else if (refused || !payment) {
    status = "REJECTED";
    answer = { kind: "malformed", problem: refused ?? "unreadable" };
    note = refused ?? "unreadable";
  } else if (
    payment.businessShortCode !== account.businessShortCode &&
    payment.businessShortCode !== account.tillNumber
  ) {
    answer = { kind: "reject", resultCode: "C2B00015" };
    note = `rejected C2B00015: ${SHORTCODE_MISMATCH}`;
    status = "REJECTED";
  } else if (!account.c2bValidationEnabled) {
    answer = { kind: "accept" };
    note = "accepted: validation is off for this account";
  } else {
    const decide = deps.decide ?? ((shop: string, p: C2bPayment) => decideValidation(deps.db, shop, p));
    const decision = await withinBudget(decide(account.shopDomain, payment), deps.budgetMs - (Date.now() - started));
    if (!decision) {
      answer = { kind: "accept" };
      note = `accepted: no decision within ${deps.budgetMs} ms (C2B_VALIDATION_BUDGET_MS)`;
      log.warn("C2B validation undecided within its budget: accepted");
    } else if (decision.accept) {
      answer = { kind: "accept" };
      note = `accepted: ${decision.note}`;
    } else {
      answer = { kind: "reject", resultCode: decision.resultCode };
      note = `rejected ${decision.resultCode}: ${decision.note}`;
    }
  }
  await deps.inbox.storeClosed({
    kind: C2B_VALIDATION_KIND,
    path: C2B_VALIDATION_PATH,
    tokenHash,
    sourceIp: req.sourceIp,
    headers: JSON.stringify(req.headers),
    body: req.body,
    status,
    error: note.slice(0, 500),
    accountId: account.id,
    shopDomain: account.shopDomain,
    processedAt: deps.now(),
  });
  return answer;
}

async function withinBudget<T>(work: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), Math.max(0, ms))));
  try {
    return await Promise.race([work.catch(() => null), late]);
  } finally {
    clearTimeout(timer);
  }
}

function readBody(body: string): { payment: C2bPayment } | { problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { problem: "body is not valid JSON" };
  }
  try {
    return { payment: parseC2bValidationAsReceived(json) };
  } catch (error) {
    if (error instanceof MalformedPayloadError)
      return { problem: `not a C2B validation request: ${error.issues.join("; ")}`.slice(0, 500) };
    throw error;
  }
}
