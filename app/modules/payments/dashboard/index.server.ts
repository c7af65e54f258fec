// The merchant's Payments pages (/app/payments, /app/payments/:id): queries and view models.
export {
  listPayments,
  orderUrl,
  paymentTotals,
  PAGE_SIZE,
  type OrderRowView,
  type PaymentItemView,
  type PaymentListView,
} from "./list.server";
export { parsePaymentFilters, type PaymentFilters } from "./filters";
export { getPaymentAttemptDetail, CALLBACKS_SHOWN, type PaymentDetailView, type CallbackView } from "./detail.server";
