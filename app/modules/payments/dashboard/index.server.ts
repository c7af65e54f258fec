// The merchant's read-only Payments pages (/app/payments, /app/payments/:id): queries and view models.
export {
  countNeedsReview,
  listPaymentAttempts,
  parseListQuery,
  PAGE_SIZE,
  type PaymentListView,
  type PaymentRowView,
} from "./list.server";
export { getPaymentAttemptDetail, CALLBACKS_SHOWN, type PaymentDetailView, type CallbackView } from "./detail.server";
