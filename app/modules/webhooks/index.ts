// Shopify webhook use cases. Each takes the Prisma client and a verified delivery, applies it at most
// once (see delivery.server.ts) and returns an outcome that answerWebhook maps to an HTTP status.
export { handleAppUninstalled, handleScopesUpdate } from "./app-lifecycle.server";
export { handleOrderCreated, DEFAULT_PAYMENT_METHOD_NAME } from "./orders-create.server";
export { handleOrderCancelled } from "./orders-cancelled.server";
export { handleCustomersRedact } from "./customers-redact.server";
export { handleCustomersDataRequest, type DataRequestReport } from "./customers-data-request.server";
export { listDataRequestViews, type DataRequestView } from "./data-requests-view.server";
export { handleShopRedact, deleteShopData } from "./shop-redact.server";
export { answerWebhook } from "./respond.server";
export { pruneWebhookDeliveries } from "./delivery.server";
export type { VerifiedWebhook, WebhookOutcome } from "./types";
