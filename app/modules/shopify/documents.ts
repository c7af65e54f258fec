// Every Admin GraphQL document the app sends. Each has an operation name (it shows up in Shopify's
// logs and the stand-in's request log) and is validated against the Admin 2026-07 schema by
// test/shopify-documents.test.ts.

export const RECEIPT_NAMESPACE = "$app:mpesa";
export const RECEIPT_KEY = "receipt";
/** Written just before a partial payment so a re-run after a crash can tell whether it landed. */
export const PENDING_PAYMENT_KEY = "pending_payment";
/**
 * Orders recorded paid on STK Push Query's word (the callback never came) carry receipt "pending" and this
 * reference: the CheckoutRequestID, until the receipt is found and replaces "pending".
 */
export const REFERENCE_KEY = "reference";
export const PENDING_RECEIPT = "pending";
/** On orders paid with Daraja sandbox money: says so in words (with the tag "mpesa-test"). */
export const TEST_PAYMENT_KEY = "test_payment";

/** Development stores (partner test shops) may take sandbox money as paid; live stores may not by default. */
export const SHOP_PLAN_QUERY = `#graphql
  query ShopPlan {
    shop {
      plan {
        partnerDevelopment
      }
    }
  }
`;

export const ORDER_FOR_PAYMENT_QUERY = `#graphql
  query OrderForPayment($id: ID!) {
    order(id: $id) {
      id
      name
      confirmationNumber
      displayFinancialStatus
      canMarkAsPaid
      paymentGatewayNames
      currencyCode
      presentmentCurrencyCode
      phone
      email
      cancelledAt
      tags
      totalPriceSet { shopMoney { amount currencyCode } presentmentMoney { amount currencyCode } }
      totalOutstandingSet { shopMoney { amount currencyCode } presentmentMoney { amount currencyCode } }
      customer { id defaultPhoneNumber { phoneNumber } }
      billingAddress { phone }
      shippingAddress { phone }
      transactions(first: 20) {
        id
        kind
        status
        gateway
        manualPaymentGateway
        processedAt
        amountSet { presentmentMoney { amount currencyCode } }
      }
      receipt: metafield(namespace: "$app:mpesa", key: "receipt") { value }
      pendingPayment: metafield(namespace: "$app:mpesa", key: "pending_payment") { value }
      reference: metafield(namespace: "$app:mpesa", key: "reference") { value }
    }
  }
`;

export const ORDER_MARK_AS_PAID_MUTATION = `#graphql
  mutation OrderMarkAsPaid($input: OrderMarkAsPaidInput!) {
    orderMarkAsPaid(input: $input) {
      order { id displayFinancialStatus canMarkAsPaid }
      userErrors { field message }
    }
  }
`;

export const ORDER_CREATE_MANUAL_PAYMENT_MUTATION = `#graphql
  mutation OrderCreateManualPayment($id: ID!, $amount: MoneyInput, $paymentMethodName: String, $processedAt: DateTime) {
    orderCreateManualPayment(id: $id, amount: $amount, paymentMethodName: $paymentMethodName, processedAt: $processedAt) {
      order { id displayFinancialStatus canMarkAsPaid }
      userErrors { field message code }
    }
  }
`;

export const METAFIELDS_SET_MUTATION = `#graphql
  mutation MetafieldsSet($metafields: [MetafieldsSetInput!]!) {
    metafieldsSet(metafields: $metafields) {
      metafields { id namespace key value }
      userErrors { field message code }
    }
  }
`;

export const TAGS_ADD_MUTATION = `#graphql
  mutation TagsAdd($id: ID!, $tags: [String!]!) {
    tagsAdd(id: $id, tags: $tags) {
      node { id }
      userErrors { field message }
    }
  }
`;

/**
 * Fires one of the app's Shopify Flow triggers (extensions/flow-*): `handle` is the trigger
 * extension's handle, `payload` an object whose keys are exactly its TOML field keys (reference
 * fields as `<object>_id` with the numeric id). `body` is deprecated.
 */
export const FLOW_TRIGGER_RECEIVE_MUTATION = `#graphql
  mutation FlowTriggerReceive($handle: String!, $payload: JSON!) {
    flowTriggerReceive(handle: $handle, payload: $payload) {
      userErrors { field message }
    }
  }
`;

export const TAGS_REMOVE_MUTATION = `#graphql
  mutation TagsRemove($id: ID!, $tags: [String!]!) {
    tagsRemove(id: $id, tags: $tags) {
      node { id }
      userErrors { field message }
    }
  }
`;
