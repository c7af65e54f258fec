// Admin GraphQL documents of the refund flow (validated against the Admin 2026-07 schema by
// test/shopify-documents.test.ts, which picks up every documents.ts under app/).

/** The order's transactions: the SALE a refund is the child of, and its gateway string. */
export const REFUND_CONTEXT_QUERY = `#graphql
  query RefundContext($id: ID!) {
    order(id: $id) {
      id
      name
      transactions(first: 50) {
        id
        kind
        status
        gateway
        manualPaymentGateway
        amountSet { shopMoney { amount currencyCode } }
      }
    }
  }
`;

/** operations.md-style: idempotent on the M-PESA transaction (required from Admin 2026-04). */
export const RECORD_MPESA_REFUND_MUTATION = `#graphql
  mutation RecordMpesaRefund($input: RefundInput!, $key: String!) {
    refundCreate(input: $input) @idempotent(key: $key) {
      refund { id totalRefundedSet { shopMoney { amount currencyCode } } }
      order { id displayFinancialStatus }
      userErrors { field message }
    }
  }
`;

/** Notes on refunds the app writes start with this: refunds/create recognises its own echo. */
export const APP_REFUND_NOTE_PREFIX = "[mpesa-app]";
