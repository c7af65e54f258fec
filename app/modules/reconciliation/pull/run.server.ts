import type { MpesaAccount, PrismaClient, PullRun } from "@prisma/client";
import { isUniqueViolation } from "../../../lib/db-errors";
import { logger } from "../../../lib/logger.server";
import { enterConfirmation } from "../../c2b/ledger.server";
import type { C2bPayment, PulledTransaction } from "../../daraja";
import { normalizeMsisdn } from "../../daraja";
import { RetryLaterError } from "../../jobs/handlers";
import { attachFoundReceipt, findPendingAttemptFor } from "../../payments/receipt-pending.server";
import type { ShopDarajaConfig } from "../../settings/config.server";
import type { PullJob } from "./job-types";

// Pull Transactions (docs/RECONCILIATION.md, "Pull Transactions"): one run queries one receiving account
// over one window, page by page (the Daraja client follows OffSetValue until a short page, refreshes an
// expired token once per request, and treats Daraja's HTTP-200 failures as failures). Rows are counted
// once per receipt (pages may repeat a row) and each goes through the receipt-keyed ledger:
//   - a receipt already in MpesaReceipt: a confirmation of what we know (nothing written);
//   - a receipt-pending attempt (STK query said paid, no receipt) whose amount, phone and time match:
//     its receipt is attached (payments/receipt-pending.server.ts);
//   - else new money: entered like a C2B confirmation (c2b/ledger.server.ts enterConfirmation:
//     matched to an order by the account typed, or the merchant's unmatched queue).
// "One pull per account and window" is the PullRun row's unique key; a RUNNING row whose lease ran out
// (its worker died) is taken over, a FAILED one is run again, a DONE one is not.

export interface PullClient {
  pullQuery(i: {
    shortCode: string | number;
    startDate: Date;
    endDate: Date;
    pageSize?: number;
    maxPages?: number;
  }): Promise<PulledTransaction[]>;
}

export interface PullDeps {
  db: PrismaClient;
  now: () => Date;
  shopConfig: (shop: string, accountId?: string | null) => Promise<ShopDarajaConfig | null>;
  pullClient: (config: ShopDarajaConfig) => PullClient;
  config: { pageSize: number; leaseMs: number };
}

export type PullSummary = Pick<
  PullRun,
  "id" | "status" | "rows" | "pages" | "confirmed" | "attached" | "newMatched" | "unmatched" | "skipped" | "error"
>;

/** Pull's shortcode for an account: what money is paid to (a till's till number, else the shortcode). */
export const pullShortCode = (a: Pick<MpesaAccount, "kind" | "tillNumber" | "businessShortCode">) =>
  a.kind === "till" && a.tillNumber ? a.tillNumber : a.businessShortCode;

/** Claims the run of this window, or null when it is done already or running elsewhere. */
async function claimRun(deps: PullDeps, account: MpesaAccount, job: PullJob): Promise<PullRun | null> {
  const now = deps.now();
  const leaseUntil = new Date(now.getTime() + deps.config.leaseMs);
  const key = { accountId: account.id, windowStart: new Date(job.windowStart), windowEnd: new Date(job.windowEnd) };
  try {
    return await deps.db.pullRun.create({
      data: {
        ...key,
        shopDomain: account.shopDomain,
        shortCode: pullShortCode(account),
        trigger: job.trigger,
        status: "RUNNING",
        leaseUntil,
      },
    });
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
  }
  const { count } = await deps.db.pullRun.updateMany({
    where: {
      ...key,
      OR: [{ status: "FAILED" }, { status: "RUNNING", leaseUntil: { lt: now } }],
    },
    data: { status: "RUNNING", leaseUntil, error: null, startedAt: now, finishedAt: null, trigger: job.trigger },
  });
  if (count === 0) return null;
  return deps.db.pullRun.findUnique({ where: { accountId_windowStart_windowEnd: key } });
}

export async function runPull(deps: PullDeps, job: PullJob): Promise<PullSummary | null> {
  const account = await deps.db.mpesaAccount.findUnique({ where: { id: job.accountId } });
  if (!account || account.purpose !== "RECEIVE") return null;
  const run = await claimRun(deps, account, job);
  if (!run) {
    const existing = await deps.db.pullRun.findUnique({
      where: {
        accountId_windowStart_windowEnd: {
          accountId: account.id,
          windowStart: new Date(job.windowStart),
          windowEnd: new Date(job.windowEnd),
        },
      },
    });
    // Another instance runs this window right now: look again once its lease has run out.
    if (existing?.status === "RUNNING")
      throw new RetryLaterError("this window is being pulled by another run", deps.config.leaseMs);
    return existing;
  }
  const log = logger.child({ shop: account.shopDomain, accountId: account.id, runId: run.id });
  let rows: PulledTransaction[];
  try {
    const config = await deps.shopConfig(account.shopDomain, account.id);
    if (!config) throw new Error("the account's Daraja settings are gone");
    rows = await deps.pullClient(config).pullQuery({
      shortCode: pullShortCode(account),
      startDate: run.windowStart,
      endDate: run.windowEnd,
      pageSize: deps.config.pageSize,
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await deps.db.pullRun.update({
      where: { id: run.id },
      data: { status: "FAILED", error: message.slice(0, 500), finishedAt: deps.now(), leaseUntil: null },
    });
    await deps.db.mpesaAccount.updateMany({
      where: { id: account.id },
      data: { pullLastError: `Pull failed: ${message}`.slice(0, 500), pullLastAttemptAt: deps.now() },
    });
    log.warn({ err: message }, "pull transactions failed");
    throw error; // the job runner retries by the error's kind
  }
  const counts = await enterPulledRows(deps, account, rows);
  const finished = await deps.db.pullRun.update({
    where: { id: run.id },
    data: {
      status: "DONE",
      ...counts,
      pages: Math.max(1, Math.ceil(counts.rows / deps.config.pageSize)),
      finishedAt: deps.now(),
      leaseUntil: null,
    },
  });
  await deps.db.mpesaAccount.updateMany({
    where: { id: account.id },
    data: { pullLastPulledAt: deps.now(), pullLastError: null, pullLastAttemptAt: deps.now() },
  });
  log.info({ ...counts }, "pull transactions done");
  return finished;
}

type Counts = {
  rows: number;
  confirmed: number;
  attached: number;
  newMatched: number;
  unmatched: number;
  skipped: number;
};

/** Every distinct receipt of a pull, through the receipt-keyed ledger (see the header). */
export async function enterPulledRows(
  deps: Pick<PullDeps, "db" | "now">,
  account: MpesaAccount,
  rows: PulledTransaction[],
): Promise<Counts> {
  const counts: Counts = { rows: 0, confirmed: 0, attached: 0, newMatched: 0, unmatched: 0, skipped: 0 };
  const seen = new Set<string>();
  for (const row of rows) {
    if (seen.has(row.transactionId)) continue; // a row repeated across pages counts once
    seen.add(row.transactionId);
    counts.rows++;
    const amountKes = Math.floor(row.amount);
    if (!(amountKes > 0) || amountKes !== row.amount) {
      counts.skipped++;
      continue;
    }
    const known = await deps.db.mpesaReceipt.findUnique({ where: { receipt: row.transactionId } });
    if (known) {
      counts.confirmed++;
      continue;
    }
    const pending = await findPendingAttemptFor(deps.db, account.shopDomain, {
      amountKes,
      msisdnTail: row.msisdn ? row.msisdn.replace(/\D/g, "").slice(-9) : null,
      at: row.trxDate,
    });
    if (pending) {
      const outcome = await attachFoundReceipt(deps, pending.id, {
        receipt: row.transactionId,
        amountKes,
        transactionDate: row.trxDate,
        foundBy: "pull",
      });
      if (outcome.kind === "attached" || outcome.kind === "review") {
        counts.attached++;
        continue;
      }
    }
    const outcome = await enterConfirmation(
      deps.db,
      {
        shopDomain: account.shopDomain,
        accountId: account.id,
        callbackLogId: null,
        payment: asC2bPayment(account, row),
      },
      deps.now(),
    );
    if (outcome.kind === "matched") counts.newMatched++;
    else if (outcome.kind === "unmatched") counts.unmatched++;
    else counts.confirmed++;
  }
  return counts;
}

/** A Pull row in the shape of a C2B confirmation (what the C2B ledger matches). */
function asC2bPayment(account: MpesaAccount, row: PulledTransaction): C2bPayment {
  let msisdn: ReturnType<typeof normalizeMsisdn> | null = null;
  try {
    msisdn = row.msisdn ? normalizeMsisdn(row.msisdn.length === 9 ? `254${row.msisdn}` : row.msisdn) : null;
  } catch {
    msisdn = null;
  }
  const [firstName = "", ...rest] = (row.sender ?? "").trim().split(/\s+/).filter(Boolean);
  return {
    transactionType: /buy-goods/i.test(row.transactionType) ? "Buy Goods" : "Pay Bill",
    transId: row.transactionId,
    transTime: row.trxDate ?? new Date(),
    amount: row.amount,
    amountText: row.amount.toFixed(2),
    businessShortCode: pullShortCode(account),
    billRefNumber: row.billReference ?? "",
    billRefNormalized: (row.billReference ?? "").toUpperCase().replace(/\s+/g, ""),
    invoiceNumber: "",
    orgAccountBalance: null,
    thirdPartyTransId: "",
    payer: msisdn ? { kind: "msisdn", msisdn } : null,
    firstName,
    middleName: "",
    lastName: rest.join(" "),
  };
}
