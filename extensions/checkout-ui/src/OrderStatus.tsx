// customer-account.order-status.block.render: pay (or retry) later from the order-status page.
import "@shopify/ui-extensions/preact";
import { render } from "preact";
import type { Api } from "@shopify/ui-extensions/customer-account.order-status.block.render";
import { knownPhonesOf, PaymentBlock, readOptional } from "./PaymentBlock";

declare const shopify: Api;

export default async () => {
  const order = shopify.order.value;
  // Nothing to pay on a cancelled order; the app would say so too, this saves the request.
  if (!order || readOptional(() => order.cancelledAt)) return;

  render(
    <PaymentBlock
      orderId={order.id}
      surface="customer-account"
      getSessionToken={() => shopify.sessionToken.get()}
      knownPhones={knownPhonesOf(shopify)}
    />,
    document.body,
  );
};
