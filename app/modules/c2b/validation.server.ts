import type { PrismaClient } from "@prisma/client";
import type { C2bPayment } from "../daraja";
import { findCandidates } from "./ledger.server";
import { matchPayment } from "./matching";

// C2B validation (docs/C2B.md, "Validation"): accept or reject a payment before M-PESA moves the money,
// from the app's own tables only (MpesaOrder) — never a live Admin API call on this path.
//   - a till (Buy Goods) carries no account number: accepted;
//   - not whole shillings, zero or negative: C2B00013 Invalid Amount;
//   - the account number names no open KES order of the shop (unknown, ambiguous, cancelled, paid,
//     another currency): C2B00012 Invalid Account Number;
//   - otherwise accepted (a smaller amount is a partial payment, a larger one an over-payment the
//     merchant refunds: both are money for this order).

export type ValidationDecision =
  { accept: true; note: string } | { accept: false; resultCode: "C2B00012" | "C2B00013"; note: string };

export async function decideValidation(db: PrismaClient, shop: string, p: C2bPayment): Promise<ValidationDecision> {
  if (p.transactionType === "Buy Goods" && !p.billRefNumber.trim())
    return { accept: true, note: "till payment: no account number to check" };
  const candidates = await findCandidates(db, shop, p.billRefNumber);
  const match = matchPayment({ billRef: p.billRefNumber, amount: p.amount, paidAt: p.transTime }, candidates, {
    graceMs: Number.POSITIVE_INFINITY,
  });
  if (match.matched) return { accept: true, note: `order ${match.order.orderName ?? match.order.orderGid}` };
  if (match.reason === "AMOUNT_NOT_WHOLE" || match.reason === "AMOUNT_NOT_POSITIVE")
    return { accept: false, resultCode: "C2B00013", note: match.detail };
  return { accept: false, resultCode: "C2B00012", note: `${match.reason}: ${match.detail}` };
}
