// purchase.thank-you.block.render: pay right after checkout.
import "@shopify/ui-extensions/preact";
import { render } from "preact";
import type { Api } from "@shopify/ui-extensions/purchase.thank-you.block.render";
import { knownPhonesOf, PaymentBlock, readOptional } from "./PaymentBlock";

declare const shopify: Api;

export default async () => {
  // Only manual payment methods can be the merchant's "M-PESA" one. An empty list says nothing
  // (not every host fills it in), so then the app decides.
  const options = shopify.selectedPaymentOptions.value;
  if (options.length > 0 && !options.some((option) => option.type === "manualPayment")) return;

  // The confirmation number binds our requests to this order; without one the app cannot take payment.
  const { order } = shopify.orderConfirmation.value;
  const number = readOptional(() => shopify.orderConfirmation.value.number);
  if (!number) return;

  render(
    <PaymentBlock
      order={{ id: order.id, confirmationNumber: number }}
      getSessionToken={() => shopify.sessionToken.get()}
      knownPhones={knownPhonesOf(shopify)}
    />,
    document.body,
  );
};
