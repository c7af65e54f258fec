import { CustomersDataRequestPayload } from "./compliance-payloads";
import { findCustomerRecords } from "./customer-data.server";
import { applyOnce } from "./delivery.server";
import { customerIdForms } from "./order-payload";
import type { Db, VerifiedWebhook, WebhookOutcome } from "./types";

/**
 * customers/data_request: assemble what the app holds about the customer into a JSON report the
 * merchant reads on the "Data requests" page and passes on (Shopify does not collect it from apps).
 */
export async function handleCustomersDataRequest(
  db: Db,
  webhook: VerifiedWebhook,
  now = new Date(),
): Promise<WebhookOutcome> {
  const parsed = CustomersDataRequestPayload.safeParse(webhook.payload);
  if (!parsed.success) return { status: "rejected", reason: "payload has no customer id" };
  const { customer, orders_requested, data_request } = parsed.data;
  const shopDomain = webhook.shop;
  const customerId = customerIdForms(customer.id)[0];

  return applyOnce(db, webhook, async (tx) => {
    const { orders, attempts } = await findCustomerRecords(tx, shopDomain, customer, orders_requested ?? []);
    const callbackCount = attempts.length
      ? await tx.callbackLog.count({ where: { attemptId: { in: attempts.map((a) => a.id) } } })
      : 0;
    const report = {
      generatedAt: now.toISOString(),
      shop: shopDomain,
      customerId,
      dataRequestId: data_request ? String(data_request.id) : null,
      ordersRequested: (orders_requested ?? []).map(String),
      orders: orders.map((o) => ({
        orderGid: o.orderGid,
        name: o.orderName,
        confirmationNumber: o.confirmationNumber,
        phone: o.phone,
        email: o.email,
        currency: o.currency,
        outstandingKes: o.outstandingKes,
        paidAt: o.paidAt?.toISOString() ?? null,
        recordedAt: o.createdAt.toISOString(),
      })),
      paymentAttempts: attempts.map((a) => ({
        orderGid: a.orderGid,
        orderName: a.orderName,
        phone: a.msisdn,
        amountKes: a.amountKes,
        paidAmountKes: a.paidAmountKes,
        status: a.status,
        resultCode: a.resultCode,
        resultDesc: a.resultDesc,
        mpesaReceipt: a.mpesaReceipt,
        transactionDate: a.transactionDate?.toISOString() ?? null,
        startedAt: a.createdAt.toISOString(),
        completedAt: a.completedAt?.toISOString() ?? null,
      })),
      callbackCount,
    };
    const row = await tx.dataRequest.create({
      data: { shopDomain, customerId, requestId: report.dataRequestId, report: JSON.stringify(report), createdAt: now },
    });
    return { status: "applied", detail: { dataRequestId: row.id, orders: orders.length, attempts: attempts.length } };
  });
}

export type DataRequestReport = {
  generatedAt: string;
  customerId: string;
  dataRequestId: string | null;
  orders: unknown[];
  paymentAttempts: unknown[];
  callbackCount: number;
};
