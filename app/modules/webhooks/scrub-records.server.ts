import { createHash } from "node:crypto";
import { phoneForms, REDACTED, redactStatementDetails, type createScrubber } from "./redaction";
import type { Tx } from "./types";

// Finding and scrubbing the stored records that may hold a customer's phone numbers or email.

type Scrubber = ReturnType<typeof createScrubber>;

/** Raw callbacks for the customer's attempts, plus any of the shop's (or unattributed) ones naming their phone. */
export async function scrubCallbackLogs(tx: Tx, shopDomain: string, attemptIds: string[], scrubber: Scrubber) {
  const mentions = scrubber.searchTerms.flatMap((term) => [
    { body: { contains: term } },
    { headers: { contains: term } },
  ]);
  const rows = await tx.callbackLog.findMany({
    where: {
      OR: [
        ...(attemptIds.length ? [{ attemptId: { in: attemptIds } }] : []),
        ...(mentions.length ? [{ OR: [{ shopDomain }, { shopDomain: null }], AND: [{ OR: mentions }] }] : []),
      ],
    },
    select: { id: true, body: true, headers: true },
  });
  let changed = 0;
  for (const row of rows) {
    const body = scrubber.scrubDocument(row.body);
    const headers = scrubber.scrubDocument(row.headers);
    if (body === row.body && headers === row.headers) continue;
    await tx.callbackLog.update({ where: { id: row.id }, data: { body, headers } });
    changed++;
  }
  return changed;
}

/** Queued work of the shop whose payload names the customer's phone or email. */
export async function scrubJobs(tx: Tx, shopDomain: string, scrubber: Scrubber) {
  if (!scrubber.searchTerms.length) return 0;
  const rows = await tx.job.findMany({
    where: { shopDomain, OR: scrubber.searchTerms.map((term) => ({ payload: { contains: term } })) },
    select: { id: true, payload: true },
  });
  for (const row of rows) {
    await tx.job.update({ where: { id: row.id }, data: { payload: scrubber.scrubDocument(row.payload) } });
  }
  return rows.length;
}

/** Rate-limit counters keyed by phone number: short-lived, but they name the phone. */
export async function scrubRateLimits(tx: Tx, scrubber: Scrubber) {
  if (!scrubber.searchTerms.length) return 0;
  const { count } = await tx.rateLimiterFlexible.deleteMany({
    where: { OR: scrubber.searchTerms.map((term) => ({ key: { contains: term } })) },
  });
  return count;
}

/**
 * Imported statement rows of the customer's receipts: the other party (masked number, name) and the name
 * inside Details are erased; receipt, amount, times and account number stay as the financial record.
 */
export async function scrubStatementRows(tx: Tx, shopDomain: string, receipts: string[]) {
  if (!receipts.length) return 0;
  const rows = await tx.statementRow.findMany({
    where: { shopDomain, receipt: { in: receipts } },
    select: { id: true, details: true },
  });
  for (const row of rows) {
    await tx.statementRow.update({
      where: { id: row.id },
      data: { otherPartyMsisdn: null, otherPartyName: null, details: redactStatementDetails(row.details) },
    });
  }
  return rows.length;
}

const C2B_PERSONAL_FIELDS = ["MSISDN", "FirstName", "MiddleName", "LastName"];

/**
 * Paybill/till payments (C2bPayment) of the customer's orders, or paid from one of their numbers —
 * C2B v1 carries SHA-256 of the MSISDN, so the hashes of the customer's numbers find those too — lose
 * the payer (hashed or masked MSISDN) and the payer's name, as do the stored validation and
 * confirmation requests of those payments. Amounts, receipts, references and times stay.
 */
export async function scrubC2bPayments(
  tx: Tx,
  shopDomain: string,
  orderGids: string[],
  phones: string[],
  scrubber: Scrubber,
) {
  const forms = [...new Set(phones.flatMap(phoneForms))];
  const hashes = forms.filter((f) => f.startsWith("254")).map((f) => createHash("sha256").update(f).digest("hex"));
  const rows = await tx.c2bPayment.findMany({
    where: {
      shopDomain,
      OR: [
        ...(orderGids.length ? [{ orderGid: { in: orderGids } }] : []),
        ...(hashes.length ? [{ payerKind: "hashed", payer: { in: hashes } }] : []),
        ...(forms.length ? [{ payerKind: "msisdn", payer: { in: forms } }] : []),
      ],
    },
    select: { id: true, receipt: true, callbackLogId: true },
  });
  if (rows.length === 0) return 0;
  await tx.c2bPayment.updateMany({
    where: { id: { in: rows.map((r) => r.id) } },
    data: { payer: null, payerName: null },
  });
  const logs = await tx.callbackLog.findMany({
    where: {
      shopDomain,
      kind: { in: ["C2B_CONFIRMATION", "C2B_VALIDATION"] },
      OR: [
        { id: { in: rows.map((r) => r.callbackLogId).filter((id): id is string => !!id) } },
        ...rows.map((r) => ({ body: { contains: r.receipt } })),
      ],
    },
    select: { id: true, body: true },
  });
  for (const log of logs) {
    let body = log.body;
    try {
      const json = JSON.parse(log.body) as Record<string, unknown>;
      for (const f of C2B_PERSONAL_FIELDS) if (json[f]) json[f] = REDACTED;
      body = scrubber.scrubDocument(JSON.stringify(json));
    } catch {
      body = scrubber.scrubString(log.body);
    }
    if (body !== log.body) await tx.callbackLog.update({ where: { id: log.id }, data: { body } });
  }
  return rows.length;
}
