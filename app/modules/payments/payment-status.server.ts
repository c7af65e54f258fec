import { latestAttempt } from "./attempts.server";
import { toAttemptView, type AttemptView } from "./attempt-view";
import { loadPayableOrder, type LoadOrderDeps, type OrderViewer } from "./load-order.server";
import type { RefusalCode } from "./payability";

// Use case "status poll": what the extension shows — whether the order can be paid, and the latest
// attempt on it (the extension polls this while a prompt is live).

export interface PaymentStatus {
  payable: boolean;
  reason?: RefusalCode;
  order?: { name: string; amountKes: number; currency: string };
  attempt?: AttemptView;
}

export async function getPaymentStatus(
  deps: LoadOrderDeps,
  shop: string,
  orderGid: string,
  viewer?: OrderViewer,
): Promise<PaymentStatus> {
  const [loaded, attempt] = await Promise.all([
    loadPayableOrder(deps, shop, orderGid, viewer),
    latestAttempt(deps.db, shop, orderGid),
  ]);
  const status: PaymentStatus = { payable: loaded.payable };
  if (!loaded.payable) status.reason = loaded.reason;
  if (!loaded.payable && loaded.hidden) return status;
  const order = loaded.order;
  if (order) {
    const amountKes = loaded.payable ? loaded.amountKes : (order.outstandingKes ?? order.totalKes ?? 0);
    status.order = { name: order.name, amountKes, currency: order.currency };
  }
  if (attempt) status.attempt = toAttemptView(attempt);
  // A prompt is live: the order is "payable" in the sense that Pay returns that same attempt.
  return status;
}
