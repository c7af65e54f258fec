import { logger } from "../../lib/logger.server";
import { CustomersRedactPayload } from "./compliance-payloads";
import { findCustomerRecords } from "./customer-data.server";
import { applyOnce } from "./delivery.server";
import { customerIdForms } from "./order-payload";
import { createScrubber, phoneForms } from "./redaction";
import {
  scrubC2bPayments,
  scrubCallbackLogs,
  scrubJobs,
  scrubRateLimits,
  scrubStatementRows,
} from "./scrub-records.server";
import type { Db, Tx, VerifiedWebhook, WebhookOutcome } from "./types";

/**
 * customers/redact: erase the customer's personal data (phones, emails, names) from their orders,
 * payment attempts and the raw Daraja callbacks stored for them, and drop earlier data-request
 * reports about them. Payment facts — amounts, receipts, statuses — are the merchant's accounting
 * records and stay.
 */
export async function handleCustomersRedact(db: Db, webhook: VerifiedWebhook): Promise<WebhookOutcome> {
  const parsed = CustomersRedactPayload.safeParse(webhook.payload);
  if (!parsed.success) return { status: "rejected", reason: "payload has no customer id" };
  const { customer, orders_to_redact } = parsed.data;
  const shopDomain = webhook.shop;

  return applyOnce(db, webhook, async (tx) => {
    const found = await findCustomerRecords(tx, shopDomain, customer, orders_to_redact ?? []);
    const { orders, orderGids } = found;
    const phones = [customer.phone, ...orders.map((o) => o.phone), ...found.attempts.map((a) => a.msisdn)].filter(
      (p): p is string => !!p,
    );
    // The customer's phone also paid (or tried to pay) orders that are not theirs: those attempts
    // carry it too.
    const attempts = [...found.attempts, ...(await attemptsPaidFrom(tx, shopDomain, phones, found.attempts))];
    const emails = [customer.email, ...orders.map((o) => o.email)].filter((e): e is string => !!e);
    const scrubber = createScrubber({ phones, emails });

    await tx.mpesaOrder.updateMany({
      where: { shopDomain, orderGid: { in: orderGids } },
      data: { phone: null, email: null, customerId: null },
    });
    await tx.paymentAttempt.updateMany({ where: { id: { in: attempts.map((a) => a.id) } }, data: { msisdn: null } });
    // Refunds to those phones keep their money facts; the phone goes.
    const paidFrom = [...phones, ...attempts.map((a) => a.msisdn)].filter((p): p is string => !!p);
    await tx.mpesaRefund.updateMany({
      where: { shopDomain, OR: [{ phone: { in: paidFrom } }, { orderGid: { in: orderGids } }] },
      data: { phone: null, payerMasked: null, payerHash: null },
    });
    const callbacks = await scrubCallbackLogs(
      tx,
      shopDomain,
      attempts.map((a) => a.id),
      scrubber,
    );
    const c2bPayments = await scrubC2bPayments(tx, shopDomain, orderGids, phones, scrubber);
    const jobs = await scrubJobs(tx, shopDomain, scrubber);
    // Statement rows carry the payer's masked number and name: those of the customer's receipts.
    const receipts = await tx.mpesaReceipt.findMany({
      where: { shopDomain, orderGid: { in: orderGids } },
      select: { receipt: true },
    });
    const statementRows = await scrubStatementRows(tx, shopDomain, [
      ...new Set([
        ...receipts.map((r) => r.receipt),
        ...attempts.map((a) => a.mpesaReceipt).filter((r): r is string => !!r),
      ]),
    ]);
    await scrubRateLimits(tx, scrubber);
    const reports = await tx.dataRequest.deleteMany({
      where: { shopDomain, customerId: { in: customerIdForms(customer.id) } },
    });

    // Counts only: even a masked phone number of an erased customer does not belong in the logs.
    logger.info({ shop: shopDomain, orders: orderGids.length, attempts: attempts.length }, "customer data redacted");
    return {
      status: "applied",
      detail: {
        orders: orderGids.length,
        attempts: attempts.length,
        c2bPayments,
        callbacks,
        jobs,
        statementRows,
        reports: reports.count,
      },
    };
  });
}

/** The shop's other attempts whose paying phone is one of the customer's numbers (any stored form). */
async function attemptsPaidFrom(tx: Tx, shopDomain: string, phones: string[], known: { id: string }[]) {
  const forms = [...new Set(phones.flatMap(phoneForms))];
  if (!forms.length) return [];
  return tx.paymentAttempt.findMany({
    where: { shopDomain, msisdn: { in: forms }, id: { notIn: known.map((a) => a.id) } },
    orderBy: { createdAt: "asc" },
  });
}
