import type { PrismaClient } from "@prisma/client";
import { maskMsisdn } from "../../../lib/phone-mask";
import { TILL_TYPES } from "./filters.server";
import { formatEat, formatKes } from "./format";
import type { StatusTone } from "./status-display";
import { c2bReason, c2bStatusDisplay } from "./words.server";

// One paybill/till payment as its page shows it (/app/payments/c2b/:id): display strings only, the
// payer as M-PESA gave it (masked, or hidden when hashed) and never in full.

export interface C2bPaymentDetailView {
  id: string;
  receipt: string;
  channel: string;
  statusLabel: string;
  statusTone?: StatusTone;
  orderGid: string | null;
  orderName: string | null;
  facts: { label: string; value: string }[];
}

function payerWords(kind: string | null, payer: string | null): string {
  if (!payer) return "";
  if (kind === "hashed") return "hidden by M-PESA (C2B v1)";
  if (kind === "msisdn") return maskMsisdn(payer);
  return `${payer} (as M-PESA shows it)`;
}

export async function c2bPaymentDetail(
  db: Pick<PrismaClient, "c2bPayment">,
  shop: string,
  id: string,
): Promise<C2bPaymentDetailView | null> {
  const p = await db.c2bPayment.findFirst({ where: { id, shopDomain: shop } });
  if (!p) return null;
  const { label, tone } = c2bStatusDisplay(p.status);
  const facts: [string, string][] = [
    ["Amount", p.amountKes !== null ? formatKes(p.amountKes) : `KES ${p.amountText} (not whole shillings)`],
    ["Applied to the order", formatKes(p.appliedKes)],
    ["More than the order needed", p.surplusKes ? formatKes(p.surplusKes) : ""],
    ["M-PESA receipt", p.receipt],
    ["Paid at", formatEat(p.transTime, { seconds: true })],
    ["Paid to", `${TILL_TYPES.includes(p.transactionType) ? "till" : "paybill"} ${p.shortCode}`],
    ["Account number typed", p.billRefRaw],
    ["Payer", payerWords(p.payerKind, p.payer)],
    ["Order", p.orderName ?? ""],
    ["Why", c2bReason(p)],
    ["Recorded in Shopify", p.recordedAt ? `Yes, ${formatEat(p.recordedAt)}` : "No"],
  ];
  return {
    id: p.id,
    receipt: p.receipt,
    channel: TILL_TYPES.includes(p.transactionType) ? "Till" : "Paybill",
    statusLabel: label,
    statusTone: tone,
    orderGid: p.orderGid,
    orderName: p.orderName,
    facts: facts.filter(([, v]) => v).map(([l, value]) => ({ label: l, value })),
  };
}
