// What the merchant must still do outside this app before customers can pay. The app cannot read the
// Shopify-side steps, so they turn done from evidence (setup-evidence.server.ts): an M-PESA order
// arrived -> the payment method exists; the checkout block called the app -> the block is placed.

import { callbackAddressProblem } from "./callback-address";

export type ChecklistItem = {
  id: "credentials" | "payment-method" | "checkout-block" | "c2b-urls" | "callback-address";
  title: string;
  detail: string;
  status: "done" | "todo" | "later";
};

export function callbackUrlPattern(callbackBaseUrl: string): string {
  return `${callbackBaseUrl.replace(/\/+$/, "")}/daraja/stk/…`;
}

/** What the app has seen (dates already formatted for the merchant, EAT). */
export type ChecklistEvidence = {
  firstMpesaOrder?: { name: string | null; when: string } | null;
  firstExtensionRequest?: { when: string } | null;
};

export function setupChecklist(opts: {
  configured: boolean;
  paymentMethodName: string;
  c2bRegistered?: boolean;
  evidence?: ChecklistEvidence;
  /** CALLBACK_BASE_URL (or the app's URL) and where the app runs. */
  callbackBaseUrl?: string;
  production?: boolean;
}): ChecklistItem[] {
  const order = opts.evidence?.firstMpesaOrder;
  const block = opts.evidence?.firstExtensionRequest;
  const items: ChecklistItem[] = [
    {
      id: "credentials",
      title: "Add your M-PESA account",
      detail:
        "Your paybill or till with its Daraja keys (shortcode, passkey, consumer key and secret), on the Settings page of this app.",
      status: opts.configured ? "done" : "todo",
    },
    {
      id: "payment-method",
      title: `Create the manual payment method "${opts.paymentMethodName}"`,
      detail: order
        ? `An order placed with "${opts.paymentMethodName}" reached the app${order.name ? ` (${order.name})` : ""} on ${order.when}, so the method exists under this name.`
        : `In Shopify admin: Settings → Payments → Manual payment methods → Create custom payment method. Name it exactly "${opts.paymentMethodName}" so the app recognises orders paid this way. This step turns done when the first order placed with it reaches the app.`,
      status: order ? "done" : "todo",
    },
    {
      id: "checkout-block",
      title: "Add the M-PESA block to the thank-you and order-status pages",
      detail: block
        ? `The M-PESA block on a customer's thank-you or order-status page first called the app on ${block.when}. Keep it on both pages: customers who leave the thank-you page pay from the order-status page.`
        : "In Shopify admin: Settings → Checkout → Customize. Add the M-PESA Checkout app block on the Thank you page and on the Order status page, then save. This step turns done when the block first calls the app (open the thank-you page of an M-PESA test order).",
      status: block ? "done" : "todo",
    },
    {
      id: "c2b-urls",
      title: "Register C2B URLs (optional)",
      detail:
        "So the app hears of payments customers make to your paybill or till from the M-PESA menu. On the Settings page: Register URLs, per account. Not needed for the M-PESA prompt.",
      status: opts.c2bRegistered ? "done" : "todo",
    },
  ];
  if (opts.callbackBaseUrl !== undefined) {
    const problem = callbackAddressProblem(opts.callbackBaseUrl, { production: !!opts.production });
    items.push({
      id: "callback-address",
      title: "Give Daraja a public HTTPS address for payment results",
      detail:
        problem?.message ??
        `Daraja sends each payment's result to ${callbackUrlPattern(opts.callbackBaseUrl)} (public, HTTPS).`,
      status: problem ? "todo" : "done",
    });
  }
  return items;
}
