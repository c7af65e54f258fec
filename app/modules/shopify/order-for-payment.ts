import { adminRequest, type AdminGraphql } from "./admin-request";
import { ORDER_FOR_PAYMENT_QUERY } from "./documents";
import { ShopifyFinalError } from "./errors";
import { centsToKesCeil, decimalToCents } from "./money";

// The order as the payment flow needs it, read fresh from Shopify (never from the browser).

interface Money {
  amount: string;
  currencyCode: string;
}
interface OrderNode {
  id: string;
  name: string;
  confirmationNumber: string | null;
  displayFinancialStatus: string | null;
  canMarkAsPaid: boolean;
  paymentGatewayNames: string[];
  currencyCode: string;
  presentmentCurrencyCode: string;
  phone: string | null;
  email: string | null;
  cancelledAt: string | null;
  tags: string[];
  totalPriceSet: { shopMoney: Money; presentmentMoney: Money };
  totalOutstandingSet: { shopMoney: Money; presentmentMoney: Money };
  customer: { id: string; defaultPhoneNumber: { phoneNumber: string } | null } | null;
  billingAddress: { phone: string | null } | null;
  shippingAddress: { phone: string | null } | null;
  transactions: {
    id: string;
    kind: string;
    status: string;
    gateway: string | null;
    processedAt: string | null;
    amountSet: { presentmentMoney: Money };
  }[];
  receipt: { value: string } | null;
  pendingPayment: { value: string } | null;
  reference?: { value: string } | null;
}

export interface PayableOrder {
  id: string;
  name: string;
  confirmationNumber: string | null;
  financialStatus: string | null;
  canMarkAsPaid: boolean;
  isCancelled: boolean;
  /** Nothing left to pay (status PAID or a zero outstanding balance). */
  isFullyPaid: boolean;
  paymentGatewayNames: string[];
  /** Presentment currency: what the buyer saw and must pay in. */
  currency: string;
  shopCurrency: string;
  /** Whole KES covering the outstanding balance (presentment money if KES, else shop money if KES); null if neither is KES. */
  outstandingKes: number | null;
  totalKes: number | null;
  /** Outstanding balance in the presentment currency, in cents, exactly as Shopify computes it. */
  outstandingCents: number;
  /** Phone numbers to offer for the STK prompt, most specific first, without duplicates. */
  phoneCandidates: string[];
  email: string | null;
  customerId: string | null;
  /** Value of the $app:mpesa.receipt metafield (the last M-PESA receipt recorded on the order). */
  receiptMetafield: string | null;
  /** Value of $app:mpesa.pending_payment: "<receipt>|<outstanding cents before>" (see recordMpesaPayment). */
  pendingPaymentMarker: string | null;
  /** Value of $app:mpesa.reference: the CheckoutRequestID of a payment recorded with receipt "pending". */
  referenceMetafield: string | null;
  tags: string[];
  transactions: {
    id: string;
    kind: string;
    status: string;
    gateway: string | null;
    amount: string;
    currency: string;
    processedAt: string | null;
  }[];
}

function kesCents(set: { shopMoney: Money; presentmentMoney: Money }): number | null {
  const money = [set.presentmentMoney, set.shopMoney].find((m) => m.currencyCode === "KES");
  return money ? decimalToCents(money.amount) : null;
}

export function toPayableOrder(o: OrderNode): PayableOrder {
  const outstandingCents = decimalToCents(o.totalOutstandingSet.presentmentMoney.amount);
  if (outstandingCents === null) throw new ShopifyFinalError("UNEXPECTED", `Unreadable outstanding amount on ${o.id}`);
  const outstandingKesCents = kesCents(o.totalOutstandingSet);
  const totalKesCents = kesCents(o.totalPriceSet);
  const phones = [
    o.phone,
    o.customer?.defaultPhoneNumber?.phoneNumber,
    o.billingAddress?.phone,
    o.shippingAddress?.phone,
  ]
    .map((p) => p?.trim())
    .filter((p): p is string => !!p);
  return {
    id: o.id,
    name: o.name,
    confirmationNumber: o.confirmationNumber,
    financialStatus: o.displayFinancialStatus,
    canMarkAsPaid: o.canMarkAsPaid,
    isCancelled: !!o.cancelledAt,
    isFullyPaid: o.displayFinancialStatus === "PAID" || outstandingCents === 0,
    paymentGatewayNames: o.paymentGatewayNames,
    currency: o.presentmentCurrencyCode,
    shopCurrency: o.currencyCode,
    outstandingKes: outstandingKesCents === null ? null : centsToKesCeil(outstandingKesCents),
    totalKes: totalKesCents === null ? null : centsToKesCeil(totalKesCents),
    outstandingCents,
    phoneCandidates: [...new Set(phones)],
    email: o.email,
    customerId: o.customer?.id ?? null,
    receiptMetafield: o.receipt?.value ?? null,
    pendingPaymentMarker: o.pendingPayment?.value ?? null,
    referenceMetafield: o.reference?.value ?? null,
    tags: o.tags,
    transactions: o.transactions.map((t) => ({
      id: t.id,
      kind: t.kind,
      status: t.status,
      gateway: t.gateway,
      amount: t.amountSet.presentmentMoney.amount,
      currency: t.amountSet.presentmentMoney.currencyCode,
      processedAt: t.processedAt,
    })),
  };
}

/** The order, or null when Shopify does not know it (yet) for this shop. */
export async function getOrderForPayment(graphql: AdminGraphql, orderGid: string): Promise<PayableOrder | null> {
  const data = await adminRequest<{ order: OrderNode | null }>(graphql, ORDER_FOR_PAYMENT_QUERY, { id: orderGid });
  return data.order ? toPayableOrder(data.order) : null;
}
