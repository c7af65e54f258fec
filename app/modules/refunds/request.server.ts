import type { Prisma } from "@prisma/client";
import type { RefundsDeps } from "./deps.server";
import { chooseMethod } from "./method";
import { createRefundIn, busyRetry, type CreateRefundResult, type NewRefund } from "./repository.server";
import type { RefundOrigin } from "./transition";

// A refund is asked for (Shopify's refunds/create, or the merchant in the app): decide how it pays
// back (method.ts) and create it PENDING_APPROVAL with its shillings reserved on the receipt.
// Nothing moves until it is approved.

export interface RefundRequest {
  shopDomain: string;
  receipt: string;
  amountKes: number;
  initiatedBy: RefundOrigin;
  sourceKey: string;
  shopifyRefundGid?: string | null;
  parentTransactionGid?: string | null;
}

export type RequestDeps = Pick<RefundsDeps, "db" | "now" | "config" | "refundAccount">;

export async function requestRefund(deps: RequestDeps, req: RefundRequest): Promise<CreateRefundResult> {
  const hasAccount = !!(await deps.refundAccount(req.shopDomain));
  const existing = await deps.db.mpesaRefund.findUnique({ where: { sourceKey: req.sourceKey } });
  if (existing) return { created: false, reason: "duplicate", refund: existing };
  return busyRetry(() => deps.db.$transaction((tx) => requestRefundIn(deps, tx, req, hasAccount)));
}

/** The same inside a caller's transaction (a webhook applied at most once). */
export async function requestRefundIn(
  deps: { now: () => Date; config: Pick<RequestDeps["config"], "reversalWindowMs"> },
  tx: Prisma.TransactionClient,
  req: RefundRequest,
  hasAccount: boolean,
): Promise<CreateRefundResult> {
  // The same source (a Shopify refund delivered again under another webhook id) creates nothing twice.
  const existing = await tx.mpesaRefund.findUnique({ where: { sourceKey: req.sourceKey } });
  if (existing) return { created: false, reason: "duplicate", refund: existing };
  const receipt = await tx.mpesaReceipt.findUnique({ where: { receipt: req.receipt } });
  if (!receipt || receipt.shopDomain !== req.shopDomain)
    return { created: false, reason: "no_receipt", remainingKes: 0 };
  const attempt = receipt.attemptId
    ? await tx.paymentAttempt.findUnique({ where: { id: receipt.attemptId }, select: { msisdn: true } })
    : null;
  // A paybill/till payment: its payer as the C2B confirmation gave it (in full, masked or hashed).
  const c2b = attempt
    ? null
    : await tx.c2bPayment.findFirst({
        where: { shopDomain: req.shopDomain, receipt: req.receipt },
        select: { payer: true, payerKind: true },
      });
  const phone = attempt?.msisdn ?? (c2b?.payerKind === "msisdn" ? c2b.payer : null);
  const hiddenPayer =
    c2b?.payer && (c2b.payerKind === "masked" || c2b.payerKind === "hashed")
      ? {
          masked: c2b.payerKind === "masked" ? c2b.payer : null,
          hash: c2b.payerKind === "hashed" ? c2b.payer : null,
        }
      : null;
  const { method, why } = chooseMethod({
    amountKes: req.amountKes,
    receiptAmountKes: receipt.amountKes,
    otherRefundsKes: receipt.refundedKes,
    receiptAt: receipt.createdAt,
    now: deps.now(),
    reversalWindowMs: deps.config.reversalWindowMs,
    phone,
    hiddenPayer,
    hasAccount,
  });
  const input: NewRefund = {
    shopDomain: req.shopDomain,
    orderGid: receipt.orderGid ?? "",
    receipt: req.receipt,
    amountKes: req.amountKes,
    method,
    initiatedBy: req.initiatedBy,
    sourceKey: req.sourceKey,
    phone: method === "B2C" ? phone : null,
    payerMasked: method === "B2C" && !phone ? (hiddenPayer?.masked ?? null) : null,
    payerHash: method === "B2C" && !phone ? (hiddenPayer?.hash ?? null) : null,
    shopifyRefundGid: req.shopifyRefundGid ?? null,
    parentTransactionGid: req.parentTransactionGid ?? null,
    note: why,
  };
  return createRefundIn(tx, input);
}
