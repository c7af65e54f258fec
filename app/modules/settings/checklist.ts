// What the merchant must still do outside this app before customers can pay. Only the credentials
// step can be checked from here; the Shopify-side steps are shown as instructions ("todo") because
// the app has no reliable read access to them.

export type ChecklistItem = {
  id: "credentials" | "payment-method" | "checkout-block" | "c2b-urls";
  title: string;
  detail: string;
  status: "done" | "todo" | "later";
};

export function callbackUrlPattern(callbackBaseUrl: string): string {
  return `${callbackBaseUrl.replace(/\/+$/, "")}/daraja/stk/…`;
}

export function setupChecklist(opts: {
  configured: boolean;
  paymentMethodName: string;
  c2bRegistered?: boolean;
}): ChecklistItem[] {
  return [
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
      detail: `In Shopify admin: Settings → Payments → Manual payment methods → Create custom payment method. Name it exactly "${opts.paymentMethodName}" so the app recognises orders paid this way.`,
      status: "todo",
    },
    {
      id: "checkout-block",
      title: "Add the M-PESA block to the thank-you and order-status pages",
      detail:
        "In Shopify admin: Settings → Checkout → Customize. Add the M-PESA Checkout app block on the Thank you page and on the Order status page, then save.",
      status: "todo",
    },
    {
      id: "c2b-urls",
      title: "Register C2B URLs (optional)",
      detail:
        "So the app hears of payments customers make to your paybill or till from the M-PESA menu. On the Settings page: Register URLs, per account. Not needed for the M-PESA prompt.",
      status: opts.c2bRegistered ? "done" : "todo",
    },
  ];
}
