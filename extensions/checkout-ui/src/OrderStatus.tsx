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
  // The confirmation number binds our requests to this order; orders from before 2024 may lack one.
  const confirmationNumber = readOptional(() => order.confirmationNumber);
  if (!confirmationNumber) return;

  render(
    <PaymentBlock
      order={{ id: order.id, confirmationNumber }}
      getSessionToken={() => shopify.sessionToken.get()}
      knownPhones={knownPhonesOf(shopify)}
      offerVerifyByCode
    />,
    document.body,
  );
};
