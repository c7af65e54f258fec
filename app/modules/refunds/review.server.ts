import type { PaymentReviewResolution, Prisma, ReviewCode } from "@prisma/client";
import { enqueueJob } from "../jobs/queue.server";
import { otherPaidAttempt } from "../payments/attempts.server";
import { RECORD_PAYMENT_IN_SHOPIFY } from "../payments/job-types";
import type { RefundsDeps } from "./deps.server";
import { approveCreatedIn, busyRetry } from "./repository.server";
import { requestRefundIn } from "./request.server";

// Every review reason has its action (docs/REFUNDS.md): a payment held for review (PaymentAttempt
// NEEDS_REVIEW) is resolved once, by one of
//   - "refund": the whole of what its receipt still holds goes back through the refund flow
//     (origin REVIEW: the payment was never on the Shopify order, so nothing is written there);
//   - "apply": the payment is recorded on its order in Shopify with its receipt, by the payment
//     flow's own record job (its per-receipt claim writes the receipt at most once);
//   - "handled-outside": the merchant dealt with it outside the app and says how (a note).
// Each writes one PaymentReviewResolution row (unique per attempt) with who and when, in the same
// transaction as its effect: a double click or two staff at once resolve it once.

export type ReviewActionName = "refund" | "apply" | "handled-outside";

const ACTIONS: Record<ReviewActionName, string> = {
  refund: "REFUNDED",
  apply: "APPLIED",
  "handled-outside": "HANDLED_OUTSIDE",
};
const ACTION_LABELS: Record<string, string> = {
  REFUNDED: "Refunded via M-PESA",
  APPLIED: "Applied to the order",
  HANDLED_OUTSIDE: "Handled outside the app",
};

/** Codes whose money may be recorded on the order as it is: not a second payment of a paid order,
 * not a short payment, not Daraja sandbox money on a live store (the record path would hold it again). */
const NOT_APPLICABLE: ReviewCode[] = ["SECOND_PAYMENT_REFUND", "AMOUNT_SHORT", "SANDBOX_ON_LIVE_STORE"];

export const NOTE_MAX = 500;

export interface ReviewPanel {
  open: boolean;
  resolution: { action: string; label: string; note: string | null; by: string; at: string } | null;
  /** The payment's own receipt, in the ledger: there is money to refund or apply. */
  receipt: string | null;
  refundableKes: number;
  canRefund: boolean;
  canApply: boolean;
  /** Why "apply" is not offered, in words (null when it is). */
  applyBlocked: string | null;
}

/** Open reviews of a shop: NEEDS_REVIEW attempts nobody has resolved yet (the Home banner's count). */
export function openReviewCount(db: Pick<RefundsDeps["db"], "paymentAttempt">, shop: string): Promise<number> {
  return db.paymentAttempt.count({
    where: { shopDomain: shop, status: "NEEDS_REVIEW", reviewResolution: { is: null } },
  });
}

export async function reviewPanel(
  deps: Pick<RefundsDeps, "db">,
  shop: string,
  attemptId: string,
): Promise<ReviewPanel | null> {
  const attempt = await deps.db.paymentAttempt.findFirst({
    where: { id: attemptId, shopDomain: shop },
    include: { reviewResolution: true },
  });
  if (!attempt) return null;
  const resolved = attempt.reviewResolution;
  if (attempt.status !== "NEEDS_REVIEW" && !resolved) return null;
  const ledger = attempt.mpesaReceipt
    ? await deps.db.mpesaReceipt.findUnique({ where: { receipt: attempt.mpesaReceipt } })
    : null;
  const own = ledger && ledger.shopDomain === shop && ledger.attemptId === attempt.id ? ledger : null;
  const open = attempt.status === "NEEDS_REVIEW" && !resolved;
  const refundableKes = own ? own.amountKes - own.refundedKes : 0;
  // A late success whose order another attempt paid meanwhile (in either order of arrival) is a
  // second payment too, whatever code it was held under.
  const paidByOther = open && own ? await otherPaidAttempt(deps.db, attempt) : null;
  const applyBlocked = !own
    ? "No M-PESA receipt of this payment is on record."
    : paidByOther
      ? "The order is already paid by another payment."
      : attempt.reviewCode && NOT_APPLICABLE.includes(attempt.reviewCode)
        ? attempt.reviewCode === "SECOND_PAYMENT_REFUND"
          ? "The order is already paid by another payment."
          : attempt.reviewCode === "AMOUNT_SHORT"
            ? "The payment is less than the order amount."
            : "Daraja sandbox money is not recorded on a live store."
        : own.refundedKes > 0
          ? "Part of this payment is being refunded."
          : null;
  return {
    open,
    resolution: resolved ? resolutionView(resolved) : null,
    receipt: own?.receipt ?? null,
    refundableKes,
    canRefund: open && !!own && refundableKes > 0,
    canApply: open && applyBlocked === null,
    applyBlocked,
  };
}

const resolutionView = (r: PaymentReviewResolution) => ({
  action: r.action,
  label: ACTION_LABELS[r.action] ?? r.action,
  note: r.note,
  by: r.resolvedBy,
  at: r.resolvedAt.toISOString(),
});

export type ReviewActionResult = { ok: true; message: string } | { ok: false; error: string };

const isUniqueViolation = (e: unknown) => (e as { code?: string } | null)?.code === "P2002";

class Refused extends Error {}

export async function reviewAction(
  deps: Pick<RefundsDeps, "db" | "now" | "config" | "refundAccount">,
  shop: string,
  attemptId: string,
  name: string,
  form: FormData,
  by: string,
): Promise<ReviewActionResult> {
  if (!(name in ACTIONS)) return { ok: false, error: "Unknown action." };
  const action = name as ReviewActionName;
  const note = String(form.get("note") ?? "").trim();
  if (action === "handled-outside" && note.length === 0)
    return { ok: false, error: "Say how it was handled (a note for your records)." };
  if (note.length > NOTE_MAX) return { ok: false, error: `Keep the note under ${NOTE_MAX} characters.` };
  const panel = await reviewPanel(deps, shop, attemptId);
  if (!panel) return { ok: false, error: "This payment is not waiting for review." };
  if (!panel.open) return { ok: false, error: `Already resolved: ${panel.resolution?.label.toLowerCase()}.` };
  if (action === "refund" && !panel.canRefund) return { ok: false, error: "This payment has no money left to refund." };
  if (action === "apply" && !panel.canApply)
    return { ok: false, error: `This payment cannot be applied to the order. ${panel.applyBlocked ?? ""}`.trim() };
  const hasAccount = action === "refund" && !!(await deps.refundAccount(shop));
  const now = deps.now();

  try {
    return await busyRetry(() =>
      deps.db.$transaction(async (tx): Promise<ReviewActionResult> => {
        // The resolution row first: its unique attemptId makes every concurrent second try fail here.
        const resolution = await tx.paymentReviewResolution.create({
          data: {
            attemptId,
            shopDomain: shop,
            action: ACTIONS[action],
            note: note || null,
            resolvedBy: by,
            resolvedAt: now,
          },
        });
        const attempt = await tx.paymentAttempt.findFirstOrThrow({ where: { id: attemptId, shopDomain: shop } });
        if (attempt.status !== "NEEDS_REVIEW") throw new Refused("This payment is no longer waiting for review.");
        if (action === "handled-outside") return { ok: true, message: "Marked as handled outside the app." };
        if (action === "apply") return applyIn(tx, attempt.id, shop, attempt.orderName);
        return refundIn(deps, tx, { shop, attemptId, receipt: panel.receipt!, by, now, hasAccount, resolution });
      }),
    );
  } catch (e) {
    if (isUniqueViolation(e)) return { ok: false, error: "Already resolved (by another click or staff member)." };
    if (e instanceof Refused) return { ok: false, error: e.message };
    throw e;
  }
}

/** NEEDS_REVIEW -> SUCCEEDED with the payment flow's record job, conditional on the state read. */
async function applyIn(
  tx: Prisma.TransactionClient,
  attemptId: string,
  shop: string,
  orderName: string | null,
): Promise<ReviewActionResult> {
  const attempt = await tx.paymentAttempt.findUniqueOrThrow({ where: { id: attemptId } });
  if (await otherPaidAttempt(tx, attempt)) throw new Refused("The order is already paid by another payment.");
  const { count } = await tx.paymentAttempt.updateMany({
    where: { id: attemptId, status: "NEEDS_REVIEW" },
    data: { status: "SUCCEEDED" },
  });
  if (count !== 1) throw new Refused("This payment is no longer waiting for review.");
  await enqueueJob(tx, {
    type: RECORD_PAYMENT_IN_SHOPIFY,
    payload: { attemptId },
    dedupeKey: `record:${attemptId}`,
    shopDomain: shop,
  });
  return { ok: true, message: `Recording this payment on ${orderName ?? "the order"} in Shopify.` };
}

async function refundIn(
  deps: Pick<RefundsDeps, "config">,
  tx: Prisma.TransactionClient,
  p: {
    shop: string;
    attemptId: string;
    receipt: string;
    by: string;
    now: Date;
    hasAccount: boolean;
    resolution: PaymentReviewResolution;
  },
): Promise<ReviewActionResult> {
  const fresh = await tx.mpesaReceipt.findUniqueOrThrow({ where: { receipt: p.receipt } });
  const amountKes = fresh.amountKes - fresh.refundedKes;
  if (amountKes <= 0) throw new Refused("This payment has no money left to refund.");
  const made = await requestRefundIn(
    { now: () => p.now, config: deps.config },
    tx,
    {
      shopDomain: p.shop,
      receipt: p.receipt,
      amountKes,
      initiatedBy: "REVIEW",
      sourceKey: `review:${p.attemptId}`,
    },
    p.hasAccount,
  );
  if (!made.created) throw new Refused("This payment has no money left to refund.");
  await tx.paymentReviewResolution.update({ where: { id: p.resolution.id }, data: { refundId: made.refund.id } });
  if (made.refund.method === "MANUAL")
    return {
      ok: true,
      message: `Refund of KES ${amountKes} recorded: ${made.refund.note ?? "pay it back by hand"}, then mark it done below.`,
    };
  // The click is the approval, as for "Refund via M-PESA".
  await approveCreatedIn(tx, made.refund, p.by, p.now);
  return {
    ok: true,
    message: `Sending KES ${amountKes} back by ${made.refund.method === "B2C" ? "B2C" : "reversal"}.`,
  };
}
