import { z } from "zod";
import { matchingKeys } from "../c2b/matching";
import { orderGid } from "../shopify/order-id";

// The parts of Shopify's REST-shaped order webhook payload the app uses. Personal fields may be
// absent (protected customer data), so everything but the id is optional.

const id = z.union([z.number(), z.string().min(1)]);
const money = z.union([z.string(), z.number()]).nullish();
const address = z.object({ phone: z.string().nullish() }).nullish();

export const OrderPayload = z.object({
  id,
  admin_graphql_api_id: z.string().nullish(),
  name: z.string().nullish(),
  confirmation_number: z.string().nullish(),
  order_number: z.union([z.number(), z.string()]).nullish(),
  cancelled_at: z.string().nullish(),
  email: z.string().nullish(),
  contact_email: z.string().nullish(),
  phone: z.string().nullish(),
  currency: z.string().nullish(),
  presentment_currency: z.string().nullish(),
  total_outstanding: money,
  total_price: money,
  payment_gateway_names: z.array(z.string()).nullish(),
  customer: z.object({ id, admin_graphql_api_id: z.string().nullish() }).nullish(),
  billing_address: address,
  shipping_address: address,
});
export type OrderPayload = z.infer<typeof OrderPayload>;

export { orderGid };
export const customerGid = (customerId: string | number) => `gid://shopify/Customer/${customerId}`;

/** The ids a customer may be stored under: the GID (what we write) and the bare numeric id. */
export function customerIdForms(customerId: string | number): string[] {
  const bare = String(customerId).replace(/^gid:\/\/shopify\/Customer\//, "");
  return [customerGid(bare), bare];
}

/** Shopify gateway names are what the merchant typed; compare them trimmed and case-insensitively. */
export function paidWithMethod(order: OrderPayload, methodName: string): boolean {
  const wanted = methodName.trim().toLowerCase();
  return (order.payment_gateway_names ?? []).some((name) => name.trim().toLowerCase() === wanted);
}

/** "1234.01" -> 1235: whole shillings, rounded up so a payment of this amount always covers the order. */
export function ceilWholeUnits(amount: string | number | null | undefined): number | null {
  if (amount === null || amount === undefined) return null;
  const match = /^\s*(\d+)(?:\.(\d*))?\s*$/.exec(String(amount));
  if (!match) return null;
  const whole = Number(match[1]);
  return /[1-9]/.test(match[2] ?? "") ? whole + 1 : whole;
}

const blankToNull = (v: string | null | undefined) => (v && v.trim() ? v.trim() : null);

/**
 * The MpesaOrder columns an order payload provides. `accountReferenceTemplate`: the shop's template,
 * so the paybill matcher knows the reference the app issues for this order (payments/payability.ts
 * orderNumberOf: the name's digits, else the confirmation number).
 */
export function mpesaOrderFields(order: OrderPayload, accountReferenceTemplate = "{order_number}") {
  const shopCurrency = order.currency?.toUpperCase() ?? null;
  const outstanding = ceilWholeUnits(order.total_outstanding ?? order.total_price);
  const name = blankToNull(order.name);
  const confirmationNumber = blankToNull(order.confirmation_number);
  const cancelledAt = blankToNull(order.cancelled_at);
  return {
    orderGid: order.admin_graphql_api_id || orderGid(order.id),
    orderName: name,
    confirmationNumber,
    ...matchingKeys({ orderName: name, confirmationNumber }, accountReferenceTemplate),
    cancelledAt: cancelledAt && !Number.isNaN(Date.parse(cancelledAt)) ? new Date(cancelledAt) : null,
    customerId: order.customer ? order.customer.admin_graphql_api_id || customerGid(order.customer.id) : null,
    phone:
      blankToNull(order.phone) ??
      blankToNull(order.billing_address?.phone) ??
      blankToNull(order.shipping_address?.phone),
    email: blankToNull(order.email) ?? blankToNull(order.contact_email),
    currency: (order.presentment_currency || order.currency || "KES").toUpperCase(),
    // total_outstanding is in the shop's currency: it is a KES amount only when that currency is KES.
    outstandingKes: shopCurrency === null || shopCurrency === "KES" ? outstanding : null,
  };
}
