import { toDecimal } from "./money";
import { suggestedRefundView } from "./refunds";
import {
  canMarkAsPaid,
  financialStatus,
  sums,
  type StandinMetafield,
  type StandinOrder,
  type StandinTransaction,
} from "./state";

// GraphQL views of the in-memory state. graphql-js's resolver reads these properties; functions are
// called with the field's arguments, and they read the state when resolved, so an order returned by a
// mutation payload shows the state after the mutation.

export const APP_NAMESPACE = "$app";

export function moneyBag(order: StandinOrder, cents: number) {
  return {
    __typename: "MoneyBag",
    presentmentMoney: { __typename: "MoneyV2", amount: toDecimal(cents), currencyCode: order.presentmentCurrencyCode },
    shopMoney: {
      __typename: "MoneyV2",
      amount: toDecimal(Math.round(cents * order.shopMoneyRate)),
      currencyCode: order.currencyCode,
    },
  };
}

export function transactionView(order: StandinOrder, tx: StandinTransaction) {
  return {
    __typename: "OrderTransaction",
    id: `gid://shopify/OrderTransaction/${tx.id}`,
    kind: tx.kind,
    status: tx.status,
    gateway: tx.gateway,
    formattedGateway: tx.gateway,
    manualPaymentGateway: tx.manualPaymentGateway,
    test: order.test,
    processedAt: tx.processedAt,
    createdAt: tx.createdAt,
    amountSet: moneyBag(order, tx.amountCents),
    errorCode: null,
    paymentId: null,
    parentTransaction: () => {
      const parent = order.transactions.find((t) => t.id === tx.parentId);
      return parent ? transactionView(order, parent) : null;
    },
    order: () => orderView(order),
  };
}

export function metafieldView(order: StandinOrder, m: StandinMetafield) {
  return {
    __typename: "Metafield",
    id: `gid://shopify/Metafield/${m.id}`,
    legacyResourceId: String(m.id),
    namespace: m.namespace,
    key: m.key,
    type: m.type,
    value: m.value,
    jsonValue: () => (m.type === "json" ? JSON.parse(m.value) : m.value),
    compareDigest: Buffer.from(`${m.id}:${m.updatedAt}`).toString("base64url"),
    createdAt: m.createdAt,
    updatedAt: m.updatedAt,
    ownerType: "ORDER",
    owner: () => orderView(order),
  };
}

const findMetafield = (order: StandinOrder, namespace: string | undefined, key: string) =>
  order.metafields.find((m) => m.namespace === (namespace ?? APP_NAMESPACE) && m.key === key);

export function orderView(order: StandinOrder) {
  const phoneOrNull = (phone: string | null) => (phone ? { __typename: "MailingAddress", phone } : null);
  return {
    __typename: "Order",
    id: order.gid,
    legacyResourceId: String(order.id),
    name: order.name,
    confirmationNumber: order.confirmationNumber,
    createdAt: order.createdAt,
    processedAt: order.createdAt,
    test: order.test,
    closed: false,
    email: order.email,
    phone: order.phone,
    currencyCode: order.currencyCode,
    presentmentCurrencyCode: order.presentmentCurrencyCode,
    paymentGatewayNames: () => [...order.paymentGatewayNames],
    cancelledAt: () => order.cancelledAt,
    displayFinancialStatus: () => financialStatus(order),
    canMarkAsPaid: () => canMarkAsPaid(order),
    fullyPaid: () => sums(order).outstanding === 0,
    totalPriceSet: () => moneyBag(order, order.totalCents),
    currentTotalPriceSet: () => moneyBag(order, order.totalCents),
    totalOutstandingSet: () => moneyBag(order, sums(order).outstanding),
    totalReceivedSet: () => moneyBag(order, sums(order).paid - sums(order).refunded),
    totalRefundedSet: () => moneyBag(order, sums(order).refunded),
    netPaymentSet: () => moneyBag(order, sums(order).paid - sums(order).refunded),
    customer: order.customer && {
      __typename: "Customer",
      id: order.customer.id,
      defaultPhoneNumber: order.customer.phone
        ? { __typename: "CustomerPhoneNumber", phoneNumber: order.customer.phone }
        : null,
    },
    billingAddress: phoneOrNull(order.billingPhone),
    shippingAddress: phoneOrNull(order.shippingPhone),
    tags: () => [...order.tags],
    transactions: ({ first }: { first?: number | null }) =>
      order.transactions.slice(0, first ?? undefined).map((tx) => transactionView(order, tx)),
    suggestedRefund: suggestedRefundView(order),
    metafield: ({ namespace, key }: { namespace?: string; key: string }) => {
      const m = findMetafield(order, namespace, key);
      return m ? metafieldView(order, m) : null;
    },
    metafields: ({
      first,
      namespace,
    }: {
      first?: number;
      namespace?: string;
    }): { __typename: string; nodes: object[]; edges: object[] } => {
      const nodes = order.metafields
        .filter((m) => namespace === undefined || m.namespace === namespace)
        .slice(0, first ?? 250)
        .map((m) => metafieldView(order, m));
      return { __typename: "MetafieldConnection", nodes, edges: nodes.map((node) => ({ node, cursor: node.id })) };
    },
  };
}
