// admin.order-details.block.render: the order's M-PESA payments, with "Send payment prompt" and
// "Refund via M-PESA". All data comes from the app (packages/pay-contract, admin-order.ts).
import "@shopify/ui-extensions/preact";
import { render } from "preact";
import type { Api } from "@shopify/ui-extensions/admin.order-details.block.render";
import { createAdminOrderApi } from "./api";
import { OrderBlockView } from "./OrderBlockView";

declare const shopify: Api;

export default async () => {
  const orderId = shopify.data.selected[0]?.id;
  if (!orderId) return;
  const api = createAdminOrderApi({ idToken: async () => (await shopify.auth.idToken()) ?? "" });
  render(<OrderBlockView orderId={orderId} api={api} />, document.body);
};
