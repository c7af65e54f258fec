import type { PrismaClient } from "@prisma/client";
import { kindOf } from "../../../lib/errors";
import { logger } from "../../../lib/logger.server";
import { parseStkCallback } from "../../daraja";
import { RetryLaterError } from "../../jobs/handlers";
import { recoverPendingAttempt, type RecoveryDeps } from "../recovery.server";
import { requireShopConfig } from "../shop-config.server";
import { statusDisplay } from "./status-display";
import { resultCodeWords } from "./words.server";

// The merchant's two levers on a payment's callback log (/app/payments/:id):
// - Replay: a stored STK callback is stored again as a new RECEIVED row (a copy, marked in its headers
//   as the replay of the original and by whom), so the worker applies it through the one inbound-event
//   path (daraja-events/stk-callback/apply.server.ts): the same checks (CheckoutRequestID, amount, the
//   STK query where the shop verifies with query) and settleAttempt's conditional transition. A payment
//   already settled is not changed (the copy is closed "no change"); one whose callback was never
//   applied (a row that went DEAD, or was REJECTED) is applied once. Never pays twice: the receipt is
//   unique and settleAttempt moves an attempt out of PENDING once.
// - Re-verify: an STK Push Query now. A PENDING attempt goes through the recovery step (the query's
//   verdict settles it, as the sweep would); any other attempt is only told what Safaricom says now.

export type CallbackActionResult = { ok: true; message: string } | { ok: false; error: string };

export const REPLAY_OF_HEADER = "x-mpesa-replay-of";
export const REPLAYED_BY_HEADER = "x-mpesa-replayed-by";

/** Kinds whose stored rows can be replayed: the STK result (the paybill confirmation has its own queue page). */
const REPLAYABLE = new Set(["STK"]);

export async function replayCallback(
  db: PrismaClient,
  shop: string,
  attemptId: string,
  callbackLogId: string,
  by: string,
): Promise<CallbackActionResult> {
  const row = await db.callbackLog.findFirst({ where: { id: callbackLogId, attemptId, shopDomain: shop } });
  const attempt = row && (await db.paymentAttempt.findFirst({ where: { id: attemptId, shopDomain: shop } }));
  if (!row || !attempt) return { ok: false, error: "That message from Safaricom was not found for this payment." };
  if (!REPLAYABLE.has(row.kind)) return { ok: false, error: "Only payment prompt results can be replayed." };
  try {
    parseStkCallback(JSON.parse(row.body));
  } catch {
    return {
      ok: false,
      error: "This message cannot be replayed: it is not a complete payment result (cut short or not from M-PESA).",
    };
  }
  if (row.status === "RECEIVED")
    return { ok: false, error: "This message is still waiting to be processed: there is nothing to replay yet." };
  const waiting = await db.callbackLog.findFirst({
    where: { attemptId, status: "RECEIVED", headers: { contains: `"${REPLAY_OF_HEADER}":"${row.id}"` } },
  });
  if (waiting) return { ok: false, error: "A replay of this message is already waiting to be processed." };
  const copy = await db.callbackLog.create({
    data: {
      kind: row.kind,
      path: row.path,
      tokenHash: row.tokenHash,
      sourceIp: row.sourceIp,
      headers: JSON.stringify({ [REPLAY_OF_HEADER]: row.id, [REPLAYED_BY_HEADER]: by.slice(0, 200) }),
      body: row.body,
      attemptId,
      shopDomain: shop,
      status: "RECEIVED",
    },
  });
  logger.info({ attemptId, callbackLogId: row.id, replayId: copy.id }, "callback replayed by the merchant");
  const { label } = statusDisplay(attempt.status);
  return {
    ok: true,
    message:
      attempt.status === "PENDING"
        ? "Replay queued: the message is being applied to this payment now."
        : `Replay queued. This payment is already ${label.toLowerCase()}, so the replay will not change it.`,
  };
}

export async function reverifyAttempt(
  deps: RecoveryDeps,
  shop: string,
  attemptId: string,
): Promise<CallbackActionResult> {
  const attempt = await deps.db.paymentAttempt.findFirst({ where: { id: attemptId, shopDomain: shop } });
  if (!attempt) return { ok: false, error: "Payment not found." };
  if (!attempt.checkoutRequestId)
    return { ok: false, error: "This prompt never reached M-PESA, so there is nothing to ask Safaricom about." };
  try {
    if (attempt.status === "PENDING") {
      await recoverPendingAttempt(deps, attempt.id, { attempt: 1 });
      const after = await deps.db.paymentAttempt.findUniqueOrThrow({ where: { id: attempt.id } });
      const { label } = statusDisplay(after.status);
      return {
        ok: true,
        message: `Safaricom says: ${resultCodeWords(after.resultCode) || "no final answer"}. This payment is now ${label.toLowerCase()}.`,
      };
    }
    const config = await requireShopConfig(deps, attempt.shopDomain, attempt.mpesaAccountId);
    const answer = await deps.daraja(config).stkQuery({
      businessShortCode: config.businessShortCode,
      passkey: config.passkey,
      checkoutRequestId: attempt.checkoutRequestId,
    });
    if (answer.state === "pending") return stillProcessing;
    const { label } = statusDisplay(attempt.status);
    const says = resultCodeWords(answer.resultCode);
    const agrees = (answer.resultCode.trim() === "0") === (attempt.mpesaReceipt !== null);
    return {
      ok: true,
      message: agrees
        ? `Safaricom says: ${says}. That agrees with this payment (${label.toLowerCase()}).`
        : `Safaricom says: ${says}, but this payment is ${label.toLowerCase()}. Check your M-PESA statement before you ship or refund.`,
    };
  } catch (error) {
    if (error instanceof RetryLaterError) return stillProcessing;
    logger.warn({ attemptId, err: String(error) }, "re-verify: STK query failed");
    return {
      ok: false,
      error:
        kindOf(error) === "final"
          ? "Safaricom refused the status check: the M-PESA credentials in Settings may be wrong. Check them with Test connection."
          : "Safaricom could not be reached for the status check. Try again in a minute.",
    };
  }
}

const stillProcessing: CallbackActionResult = {
  ok: true,
  message: "Safaricom is still processing this payment. Ask again in a minute.",
};

/** The `intent`s this module answers on the payment page (anything else is another module's). */
export const CALLBACK_INTENTS = ["replay-callback", "reverify"] as const;
export const isCallbackIntent = (v: unknown): v is (typeof CALLBACK_INTENTS)[number] =>
  CALLBACK_INTENTS.includes(v as never);

/** The payment page's form post for one of CALLBACK_INTENTS. */
export async function callbackLogAction(
  deps: RecoveryDeps,
  shop: string,
  attemptId: string,
  form: FormData,
  by: string,
): Promise<CallbackActionResult & { intent: string }> {
  const intent = String(form.get("intent"));
  const result =
    intent === "replay-callback"
      ? await replayCallback(deps.db, shop, attemptId, String(form.get("callbackId") ?? ""), by)
      : await reverifyAttempt(deps, shop, attemptId);
  return { ...result, intent };
}
