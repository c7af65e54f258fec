import type { CallbackLog, MpesaRefund, PrismaClient } from "@prisma/client";
import { logger } from "../../../lib/logger.server";
import {
  parseAccountBalanceResult,
  parseB2cResult,
  parseReversalResult,
  parseTransactionStatusResult,
} from "../../daraja";
import { enqueueJob } from "../../jobs/queue.server";
import { SEND_REFUND } from "../../refunds/job-types";
import { applyRefundEvent } from "../../refunds/repository.server";
import type { RefundEvent } from "../../refunds/transition";
import { applyVerificationEvent } from "../../receipt-verification/result.server";
import { operationOf, QUEUE_TIMEOUT_KIND } from "./store.server";
import { applyAccountBalanceCheck } from "./balance-check.server";

// Apply step (work types `process-initiator-result`, `process-queue-timeout`): turn one stored
// result into one refund event and hand it to the refund state machine (refunds/transition.ts),
// which closes the row in the same transaction. Safe to run any number of times: a processed row is
// skipped, and duplicates and late results change nothing (the machine says so on the row).

export interface ApplyInitiatorDeps {
  db: PrismaClient;
  now: () => Date;
}

/** Closing the row releases its claim in the same write (the worker's release then matches nothing). */
const RELEASED = { lockedBy: null, lockedUntil: null };

/** Transaction Status: "The transaction receipt number does not exist." — M-PESA has no such transaction. */
const STATUS_NOT_FOUND = "2032";
/** Reversal: "The transaction has already been reversed." */
const ALREADY_REVERSED = "R000001";

export async function applyInitiatorEvent(deps: ApplyInitiatorDeps, callbackLogId: string): Promise<void> {
  const row = await deps.db.callbackLog.findUnique({ where: { id: callbackLogId } });
  if (row?.status === "RECEIVED" && operationOf(row.path) === "verify")
    return applyVerificationEvent(deps, row, row.kind === QUEUE_TIMEOUT_KIND);
  if (row && row.status === "RECEIVED" && !row.refundId && row.accountId) return applyAccountBalanceCheck(deps, row);
  if (!row || row.status !== "RECEIVED" || !row.refundId) return;
  const close = (status: "PROCESSED" | "IGNORED", note: string) =>
    deps.db.callbackLog.update({
      where: { id: row.id },
      data: { status, error: note.slice(0, 500), processedAt: deps.now(), ...RELEASED },
    });
  const refund = await deps.db.mpesaRefund.findUnique({ where: { id: row.refundId } });
  const op = operationOf(row.path);
  if (!refund || !op) return void (await close("IGNORED", "no refund or operation for this row"));
  const body = JSON.parse(row.body) as unknown;

  if (row.kind === QUEUE_TIMEOUT_KIND) {
    if (op === "b2c" || op === "reversal") return apply(deps, refund, row, { type: "queue-timeout", at: deps.now() });
    // A status or balance query that expired: its job asks again after REFUND_QUERY_WAIT_SECONDS.
    return void (await close("PROCESSED", `${op} query timed out in M-PESA's queue; asked again by its job`));
  }

  switch (op) {
    case "b2c": {
      const r = parseB2cResult(body);
      if (r.originatorConversationId && r.originatorConversationId !== refund.idempotencyKey)
        return void (await close("IGNORED", "B2C result for another OriginatorConversationID"));
      if (r.resultCode === "0" && r.transactionReceipt)
        return apply(deps, refund, row, {
          type: "result-success",
          transactionId: r.transactionReceipt,
          at: deps.now(),
        });
      return apply(deps, refund, row, failure(r, deps.now()));
    }
    case "reversal": {
      const r = parseReversalResult(body);
      if (r.resultCode === "0" && r.transactionId)
        return apply(deps, refund, row, { type: "result-success", transactionId: r.transactionId, at: deps.now() });
      if (r.resultCode === ALREADY_REVERSED)
        return apply(deps, refund, row, { type: "already-reversed", desc: r.resultDesc, at: deps.now() });
      return apply(deps, refund, row, failure(r, deps.now()));
    }
    case "status": {
      const r = parseTransactionStatusResult(body);
      if (r.resultCode === STATUS_NOT_FOUND)
        return apply(deps, refund, row, { type: "status-not-found", desc: `${r.resultCode} ${r.resultDesc}` });
      if (r.resultCode !== "0" || !r.receiptNo)
        return void (await close("PROCESSED", `status query failed: ${r.resultCode} ${r.resultDesc}; asked again`));
      const originator = r.parameters.OriginatorConversationID;
      const ours =
        refund.method === "B2C" ? !originator || originator === refund.idempotencyKey : r.receiptNo !== refund.receipt; // the reversal's own transaction, not the payment it reverses
      if (!ours) return void (await close("IGNORED", "status of another transaction"));
      return apply(deps, refund, row, { type: "status-found", transactionId: r.receiptNo, at: deps.now() });
    }
    case "balance":
      return applyBalance(deps, refund, row, body, close);
    case "verify":
      return; // applied above (receipt-verification/result.server.ts)
  }
}

const failure = (r: { resultCode: string; resultDesc: string; conversationId: string }, at: Date): RefundEvent => ({
  type: "result-failure",
  code: r.resultCode,
  desc: r.resultDesc,
  conversationId: r.conversationId || null,
  at,
});

async function apply(deps: ApplyInitiatorDeps, refund: MpesaRefund, row: CallbackLog, event: RefundEvent) {
  await applyRefundEvent(deps, refund.id, event, { callbackLogId: row.id });
}

/**
 * Account Balance before a B2C: the utility account pays B2C (docs/REFUNDS.md). Too little -> the
 * refund waits for the merchant with the numbers in words; enough -> the send job goes on.
 */
async function applyBalance(
  deps: ApplyInitiatorDeps,
  refund: MpesaRefund,
  row: CallbackLog,
  body: unknown,
  close: (status: "PROCESSED" | "IGNORED", note: string) => Promise<unknown>,
) {
  const r = parseAccountBalanceResult(body);
  if (r.resultCode !== "0")
    return void (await close("PROCESSED", `balance query failed: ${r.resultCode} ${r.resultDesc}; asked again`));
  const utility = r.accounts.find((a) => /utility/i.test(a.name));
  const available = Math.floor(utility?.available ?? 0);
  if (available < refund.amountKes) {
    await applyRefundEvent(
      deps,
      refund.id,
      { type: "balance-short", availableKes: available, neededKes: refund.amountKes },
      { callbackLogId: row.id },
    );
    return;
  }
  await deps.db.$transaction(async (tx) => {
    const { count } = await tx.mpesaRefund.updateMany({
      where: { id: refund.id, state: "APPROVED" },
      data: { balanceCheckedAt: deps.now() },
    });
    if (count === 1)
      await enqueueJob(tx, { type: SEND_REFUND, payload: { refundId: refund.id }, shopDomain: refund.shopDomain });
    await tx.callbackLog.update({
      where: { id: row.id },
      data: {
        status: "PROCESSED",
        processedAt: deps.now(),
        error: count === 1 ? null : `no change: refund is ${refund.state}`,
        ...RELEASED,
      },
    });
  });
  logger.info({ refundId: refund.id, availableKes: available }, "utility balance covers the refund");
}
