import type { RefusalCode } from "@mpesa-checkout/pay-contract";
import type { PayableOrder } from "../shopify/order-for-payment";

// Whether an order may be charged by STK Push now, and for how much. Pure: the caller loads the order
// from the Admin API (never from the browser) and knows the shop's M-PESA payment method name.

export type { RefusalCode };

export const REFUSAL_MESSAGES: Record<RefusalCode, string> = {
  ORDER_NOT_FOUND_YET: "We can't find this order yet. Please wait a moment and try again.",
  NOT_MPESA: "This order is not set to be paid with M-PESA.",
  ALREADY_PAID: "This order is already paid.",
  CANCELLED: "This order was cancelled, so it can't be paid.",
  NOT_KES: "M-PESA can only be used for orders in Kenyan shillings (KES).",
  SHOP_NOT_CONFIGURED: "This shop has not finished setting up M-PESA payments yet.",
  NOTHING_OUTSTANDING: "There is nothing left to pay on this order.",
  UNDER_REVIEW: "A payment for this order is being checked by the shop. Please do not pay again.",
  NO_CONFIRMATION_NUMBER: "This order has no confirmation number, so it can't be paid here. Please contact the shop.",
};

export type Payability = { payable: true; amountKes: number } | { payable: false; reason: RefusalCode };

export function payability(order: PayableOrder, paymentMethodName: string): Payability {
  const method = paymentMethodName.trim().toLowerCase();
  if (!order.paymentGatewayNames.some((g) => g.trim().toLowerCase() === method))
    return { payable: false, reason: "NOT_MPESA" };
  if (order.isCancelled) return { payable: false, reason: "CANCELLED" };
  if (order.financialStatus === "PAID" || order.financialStatus?.includes("REFUNDED")) {
    return { payable: false, reason: "ALREADY_PAID" };
  }
  if (order.outstandingKes === null) return { payable: false, reason: "NOT_KES" };
  if (order.isFullyPaid || order.outstandingKes <= 0) return { payable: false, reason: "NOTHING_OUTSTANDING" };
  return { payable: true, amountKes: order.outstandingKes };
}

/** The digits of "#1234" (what AccountReference and TransactionDesc show), else the confirmation number. */
export function orderNumberOf(order: Pick<PayableOrder, "name" | "confirmationNumber" | "id">): string {
  const digits = order.name.replace(/\D/g, "");
  return digits || order.confirmationNumber || order.id.replace(/\D/g, "").slice(-10);
}
