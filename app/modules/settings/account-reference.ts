// The STK Push AccountReference: what the customer sees in the prompt and, on a paybill, the
// "account number" the payment is filed under. Daraja allows at most 12 alphanumeric characters and
// accepts longer values synchronously but then never delivers the prompt, so we enforce it here.
//
// Template rule (validated when the merchant saves it):
//   - literal text is letters and digits only;
//   - placeholders: {order_number} (the order's number, e.g. 1234) and {order_name} (the order's
//     name with everything but letters and digits removed, e.g. "#1234" -> "1234");
//   - rendered for the largest realistic order (number 9999999: ten million orders, name "#9999999")
//     the result must fit 12 characters. So "INV{order_number}" is fine (10), "MYSHOPKE{order_number}"
//     is not (15).
// Rendering never produces an invalid value: anything that is still too long (an 8-digit order
// number, a long order-name prefix configured in Shopify) falls back to the bare order number.
// This module is shared by the server and the settings page (live example), so it stays pure.

export const ACCOUNT_REFERENCE_MAX = 12;
export const PLACEHOLDERS = ["{order_number}", "{order_name}"] as const;
export const SAMPLE_ORDER = { orderNumber: 1234, orderName: "#1234" };
const LARGEST_ORDER = { orderNumber: 9_999_999, orderName: "#9999999" };

export type OrderRef = { orderNumber: number | string; orderName?: string | null };

const alnum = (s: string) => s.replace(/[^A-Za-z0-9]/g, "");

function substitute(template: string, order: OrderRef): string {
  const number = alnum(String(order.orderNumber));
  const name = alnum(order.orderName ?? "") || number;
  return template.replaceAll("{order_number}", number).replaceAll("{order_name}", name);
}

/** Always returns 1–12 letters/digits (given an order number with at least one digit). */
export function renderAccountReference(template: string, order: OrderRef): string {
  const rendered = alnum(substitute(template, order));
  if (rendered.length > 0 && rendered.length <= ACCOUNT_REFERENCE_MAX) return rendered;
  return alnum(String(order.orderNumber)).slice(-ACCOUNT_REFERENCE_MAX);
}

/** Why a template is unacceptable, or null when it is fine. */
export function accountReferenceTemplateProblem(template: string): string | null {
  if (!template.trim()) return "Enter a template, for example {order_number} or INV{order_number}.";
  const unknown = template.match(/\{[^}]*\}/g)?.find((p) => !(PLACEHOLDERS as readonly string[]).includes(p));
  if (unknown) return `Unknown placeholder ${unknown}. Use {order_number} or {order_name}.`;
  const literal = template.replace(/\{order_number\}|\{order_name\}/g, "");
  if (/[^A-Za-z0-9]/.test(literal)) {
    return "Only letters and digits are allowed outside placeholders (M-PESA accepts alphanumeric references).";
  }
  const worst = substitute(template, LARGEST_ORDER);
  if (worst.length > ACCOUNT_REFERENCE_MAX) {
    return `Too long: for order #9999999 this gives "${worst}" (${worst.length} characters); M-PESA allows ${ACCOUNT_REFERENCE_MAX}. Shorten the prefix.`;
  }
  return null;
}
