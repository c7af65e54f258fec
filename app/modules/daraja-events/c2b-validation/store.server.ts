import { logger } from "../../../lib/logger.server";
import { decideValidation, type ValidationDecision } from "../../c2b/validation.server";
import { MalformedPayloadError, parseC2bValidationAsReceived, type C2bPayment } from "../../daraja";
import { hashCallbackToken, looksLikeCallbackToken } from "../common/callback-token.server";
import type { EventsDeps } from "../common/deps.server";
import type { InboundC2b } from "../c2b-confirmation/store.server";
import type { C2bValidationAnswer } from "./answers";

// "M-PESA asks whether to take a paybill/till payment" (POST /daraja/c2b/<token>/validation). The raw
// request is stored first, by the same one-statement INSERT … SELECT that resolves the account's token;
// the answer is decided at once from the app's own tables (c2b/validation.server.ts) and the row closed
// with it. No work item follows: the payment itself arrives as a confirmation, applied regardless of
// what was answered here.
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
  const event = {
    kind: C2B_VALIDATION_KIND,
    path: C2B_VALIDATION_PATH,
    tokenHash: tokenHash ?? "",
    sourceIp: req.sourceIp,
    headers: req.headers,
    body: req.body,
    sourceAllowed: ipAllowed,
  };
  const refused = req.tooLarge
    ? "body larger than CALLBACK_MAX_BYTES (first bytes kept)"
    : read && "problem" in read
      ? read.problem
      : undefined;
  const payment = read && "payment" in read ? read.payment : null;
  const stored = tokenHash
    ? await deps.inbox.storeForAccount(event, {
        shortCode: payment?.businessShortCode ?? "",
        status: "PROCESSED",
        ...(refused ? { rejectWith: refused } : {}),
      })
    : null;
  if (req.tooLarge) return { kind: "too_large" };
  if (refused) return { kind: "malformed", problem: refused };
  if (!stored) {
    await deps.keepUnknown({
      kind: C2B_VALIDATION_KIND,
      path: C2B_VALIDATION_PATH,
      tokenHash,
      sourceIp: req.sourceIp,
      sourceAllowed: ipAllowed,
      headers: req.headers,
      size: req.size,
    });
    // Not our registration (an old URL?): do not stand between a customer and their payment.
    return { kind: "accept" };
  }
  const log = logger.child({ callbackPath: "c2b-validation", accountId: stored.accountId, callbackLogId: stored.id });
  let answer: C2bValidationAnswer;
  let note: string;
  if (stored.status === "REJECTED") {
    answer = { kind: "reject", resultCode: "C2B00015" };
    note = "rejected C2B00015: the body's shortcode is not this URL's account";
  } else if (!stored.validationEnabled) {
    answer = { kind: "accept" };
    note = "accepted: validation is off for this account";
  } else {
    const decide = deps.decide ?? ((shop: string, p: C2bPayment) => decideValidation(deps.db, shop, p));
    const decision = await withinBudget(decide(stored.shopDomain, payment!), deps.budgetMs - (Date.now() - started));
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
  await deps.db.callbackLog.updateMany({
    where: { id: stored.id },
    data: { error: note.slice(0, 500), processedAt: deps.now() },
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
