import type { MpesaAccount } from "@prisma/client";
import { env } from "../../lib/env.server";
import { hashingKey } from "../../lib/keys.server";
import { logger } from "../../lib/logger.server";
import { tokenCacheKey } from "../daraja";
import { darajaBaseUrl, secretBoxFromEnv } from "../settings/config.server";
import { openAccountSecret } from "../settings/accounts.server";
import { applyOnce } from "./delivery.server";
import { createScrubber } from "./redaction";
import { scrubCallbackLogs, scrubRateLimits } from "./scrub-records.server";
import type { Db, Tx, VerifiedWebhook, WebhookOutcome } from "./types";

/**
 * shop/redact (about 48 h after uninstall): delete everything stored for the shop — including every
 * WebhookDelivery row, even this delivery's own. Nothing is kept to deduplicate a retry against, and
 * nothing needs to be: running this again deletes nothing more.
 */
export function handleShopRedact(db: Db, webhook: VerifiedWebhook): Promise<WebhookOutcome> {
  return applyOnce(db, webhook, async (tx) => {
    const deleted = await deleteShopData(tx, webhook.shop);
    logger.info({ shop: webhook.shop, deleted }, "shop data deleted");
    return { status: "applied", detail: deleted };
  });
}

export async function deleteShopData(tx: Tx, shop: string) {
  const where = { shopDomain: shop };
  const accounts = await tx.mpesaAccount.findMany({ where });
  const attempts = await tx.paymentAttempt.findMany({ where, select: { id: true, msisdn: true } });
  const attemptIds = attempts.map((a) => a.id);
  const orders = await tx.mpesaOrder.findMany({ where, select: { phone: true, email: true } });
  // Callbacks not yet attributed to any shop (e.g. C2B) are not the shop's to delete, but the phone
  // numbers of the shop's customers in them are erased.
  const customers = createScrubber({
    phones: [...attempts.map((a) => a.msisdn), ...orders.map((o) => o.phone)].filter((p): p is string => !!p),
    emails: orders.map((o) => o.email).filter((e): e is string => !!e),
  });
  const counts = {
    callbackLogs: (await tx.callbackLog.deleteMany({ where: { OR: [where, { attemptId: { in: attemptIds } }] } }))
      .count,
    unattributedCallbacksScrubbed: await scrubCallbackLogs(tx, shop, [], customers),
    receipts: (await tx.mpesaReceipt.deleteMany({ where })).count,
    c2bPayments: (await tx.c2bPayment.deleteMany({ where })).count,
    c2bAuditEntries: (await tx.c2bAuditEntry.deleteMany({ where })).count,
    receiptVerifications: (await tx.receiptVerification.deleteMany({ where })).count,
    refunds: (await tx.mpesaRefund.deleteMany({ where })).count,
    attempts: (await tx.paymentAttempt.deleteMany({ where })).count,
    orders: (await tx.mpesaOrder.deleteMany({ where })).count,
    dataRequests: (await tx.dataRequest.deleteMany({ where })).count,
    statementRows: (await tx.statementRow.deleteMany({ where })).count,
    statementImports: (await tx.statementImport.deleteMany({ where })).count,
    reconciliationItems: (await tx.reconciliationItem.deleteMany({ where })).count,
    reconciliationRuns: (await tx.reconciliationRun.deleteMany({ where })).count,
    reconciliationHandled: (await tx.reconciliationHandled.deleteMany({ where })).count,
    jobs: (await tx.job.deleteMany({ where })).count,
    settings: (await tx.shopSettings.deleteMany({ where })).count,
    mpesaAccounts: (await tx.mpesaAccount.deleteMany({ where })).count,
    webhookDeliveries: (await tx.webhookDelivery.deleteMany({ where })).count,
    setupEvidence: (await tx.setupEvidence.deleteMany({ where })).count,
    sessions: (await tx.session.deleteMany({ where: { shop } })).count,
    shops: (await tx.shop.deleteMany({ where: { domain: shop } })).count,
    // Rate-limit counters keyed by shop: the domain as a whole key segment (`<prefix>:<shop>` or
    // `<prefix>:<shop>|…`), never as a substring — "a.myshopify.com" is inside "ba.myshopify.com".
    rateLimits:
      (
        await tx.rateLimiterFlexible.deleteMany({
          where: { OR: [{ key: { endsWith: `:${shop}` } }, { key: { contains: `:${shop}|` } }] },
        })
      ).count + (await scrubRateLimits(tx, customers)),
    // The cached Daraja tokens of the shop's credentials, by their exact cache keys.
    darajaTokens: (await tx.darajaToken.deleteMany({ where: { cacheKey: { in: accounts.flatMap(darajaTokenKeys) } } }))
      .count,
  };
  return counts;
}

/** Cache keys of one account's credential set in either Daraja environment (it may have switched). */
function darajaTokenKeys(account: MpesaAccount): string[] {
  let consumerSecret: string | undefined;
  try {
    consumerSecret = openAccountSecret(secretBoxFromEnv(), account, "consumerSecret");
  } catch {
    return []; // unreadable secret: the key cannot be computed; the token expires within the hour
  }
  if (!consumerSecret) return [];
  const secret = hashingKey(env());
  return (["sandbox", "production"] as const).map((environment) =>
    tokenCacheKey({ baseUrl: darajaBaseUrl(environment), consumerKey: account.consumerKey, consumerSecret }, secret),
  );
}
