import type { PayStatus } from "@mpesa-checkout/pay-contract";
import { latestAttempt } from "./attempts.server";
import { toAttemptView } from "./attempt-view";
import type { PaymentsDeps } from "./deps.server";
import { loadPayableOrder, type LoadOrderDeps } from "./load-order.server";
import { parseConfirmationNumber } from "./order-binding";
import { orderNumberOf } from "./payability";
import { renderAccountReference } from "../settings/account-reference";
import { clientIpKey } from "./rate-limits.server";

// Use case "status poll": what the extension shows — whether the order can be paid, and the latest
// attempt on it (the extension polls this every few seconds while a prompt is live). Limited per
// session and per shop; the order comes from a short-lived cache (order-reads.server.ts), while the
// attempt is read from our database on every poll, so a settled payment shows at once.

export type { PayStatus as PaymentStatus };

export interface PaymentStatusInput {
  shop: string;
  orderGid: string;
  confirmationNumber: unknown;
  customerGid?: string;
  /** Session token `sid`; without one the session is this order seen from this client address. */
  sessionId?: string;
  clientIp: string | null;
}

export type PaymentStatusOutcome =
  | { kind: "status"; status: PayStatus }
  | { kind: "invalid"; message: string }
  | { kind: "rate_limited" | "unavailable"; retryAfterSeconds: number };

/** What the status poll uses: what reading the order uses, and the poll limiter. */
export type PaymentStatusDeps = LoadOrderDeps & Pick<PaymentsDeps, "consumeStatusPoll">;

export async function getPaymentStatus(
  deps: PaymentStatusDeps,
  input: PaymentStatusInput,
): Promise<PaymentStatusOutcome> {
  const { shop, orderGid } = input;
  const confirmationNumber = parseConfirmationNumber(input.confirmationNumber);
  if (!confirmationNumber)
    return { kind: "invalid", message: "confirmationNumber must be the order's confirmation number." };

  const session = input.sessionId ?? `${orderGid}|${input.clientIp ? clientIpKey(input.clientIp) : "-"}`;
  const verdict = await deps.consumeStatusPoll({ shop, session });
  if (!verdict.allowed) {
    return {
      kind: verdict.limit === "store" ? "unavailable" : "rate_limited",
      retryAfterSeconds: verdict.retryAfterSeconds,
    };
  }

  const [loaded, attempt] = await Promise.all([
    loadPayableOrder(deps, shop, orderGid, { confirmationNumber, customerGid: input.customerGid }),
    latestAttempt(deps.db, shop, orderGid),
  ]);
  const status: PayStatus = { payable: loaded.payable };
  if (!loaded.payable) status.reason = loaded.reason;
  if (!loaded.payable && loaded.hidden) return { kind: "status", status };
  const order = loaded.order;
  if (order) {
    const amountKes = loaded.payable ? loaded.amountKes : (order.outstandingKes ?? order.totalKes ?? 0);
    status.order = { name: order.name, amountKes, currency: order.currency };
  }
  // A prompt is live: the order is "payable" in the sense that Pay returns that same attempt.
  if (attempt) status.attempt = toAttemptView(attempt);
  // The fallback beside the prompt: pay the shop's default receiving account from the M-PESA menu,
  // with the reference the paybill matcher expects (c2b/matching.ts), for what is left to pay.
  if (loaded.payable) {
    const { config, order: o } = loaded;
    const paidKes = o.totalKes !== null ? o.totalKes - loaded.amountKes : 0;
    status.paybill =
      config.kind === "till"
        ? { kind: "till", number: config.partyB, amountKes: loaded.amountKes }
        : {
            kind: "paybill",
            number: config.businessShortCode,
            accountReference: renderAccountReference(config.accountReferenceTemplate, {
              orderNumber: orderNumberOf(o),
              orderName: o.name,
            }),
            amountKes: loaded.amountKes,
          };
    if (paidKes > 0) status.paybill.paidKes = paidKes;
    // Verify by M-PESA code (docs/C2B.md): offered on the order-status block when the shop allows it.
    if (config.shopperVerifyByCode) status.verifyByCode = true;
  }
  return { kind: "status", status };
}
