import type { PrismaClient } from "@prisma/client";
import { env } from "./lib/env.server";
import {
  PRUNE_CALLBACK_LOG,
  enqueueDailyCallbackPrune,
  runCallbackLogPrune,
} from "./modules/daraja-events/common/retention.server";
import { eventsDeps } from "./modules/daraja-events/common/deps.server";
import { inboxSource } from "./modules/daraja-events/common/inbox-queue.server";
import { dialectOf } from "./modules/daraja-events/common/inbox.server";
import { initiatorResultWork, queueTimeoutWork } from "./modules/daraja-events/initiator-result/work.server";
import { stkCallbackWork } from "./modules/daraja-events/stk-callback/work.server";
import { c2bConfirmationWork } from "./modules/daraja-events/c2b-confirmation/work.server";
import { BACKFILL_ORDER_MATCH_KEYS, RECORD_C2B_PAYMENT } from "./modules/c2b/job-types";
import { backfillOrderMatchKeys, enqueueOrderKeysBackfill } from "./modules/c2b/backfill-keys.server";
import { recordC2bPayment } from "./modules/c2b/record.server";
import { registerJobHandler } from "./modules/jobs/handlers";
import { fireFlowTrigger } from "./modules/flow/fire.server";
import { FIRE_FLOW_TRIGGER } from "./modules/flow/job-types";
import { jobQueueSource } from "./modules/jobs/queue.server";
import { listenForWork } from "./modules/jobs/wakeup.server";
import { startWorker, type PeriodicTask, type Worker, type WorkerOptions } from "./modules/jobs/worker.server";
import { RECORD_PAYMENT_IN_SHOPIFY, RECOVER_PENDING_ATTEMPT } from "./modules/payments/job-types";
import { ATTACH_RECEIPT_IN_SHOPIFY } from "./modules/payments/job-types";
import { attachReceiptInShopify } from "./modules/payments/receipt-pending.server";
import { PULL_TRANSACTIONS } from "./modules/reconciliation/pull/job-types";
import { runPull } from "./modules/reconciliation/pull/run.server";
import { enqueueScheduledPulls } from "./modules/reconciliation/pull/schedule.server";
import { pullDeps } from "./reconciliation-pull.server";
import { recordPaymentInShopify } from "./modules/payments/record-in-shopify.server";
import { recoverPendingAttempt, sweepStalePending } from "./modules/payments/recovery.server";
import { paymentsDeps } from "./payments.server";
import {
  NOTE_REFUND_ON_ORDER,
  RECORD_REFUND_IN_SHOPIFY,
  SEND_REFUND,
  SETTLE_REFUND,
} from "./modules/refunds/job-types";
import { noteRefundOnOrder, recordRefundInShopify } from "./modules/refunds/record-in-shopify.server";
import { sendRefund } from "./modules/refunds/send.server";
import { settleRefund } from "./modules/refunds/settle.server";
import { refundsDeps } from "./refunds.server";
import { RUN_RECONCILIATION, SEND_RECONCILIATION_EMAIL } from "./modules/reconciliation/run/job-types";
import { runReconciliationJob, sendReconciliationEmailJob } from "./modules/reconciliation/run/deps.server";
import { enqueueDueDailyRuns } from "./modules/reconciliation/run/schedule.server";
import {
  PRUNE_WEBHOOK_DELIVERIES,
  enqueueDailyHousekeeping,
  runWebhookDeliveryPrune,
} from "./modules/webhooks/housekeeping.server";

// The composition root of background work (as shopify.server.ts is for Shopify): every job handler,
// inbound-event kind and periodic task the worker runs is registered here, and nowhere else.
// Adding an inbound Daraja event = one entry in INBOUND_EVENTS (see docs/ARCHITECTURE.md, recipe).

/** Inbound Daraja events whose stored rows are work items: kind -> job type -> apply step. */
const INBOUND_EVENTS = [stkCallbackWork, c2bConfirmationWork, initiatorResultWork, queueTimeoutWork];

/** How often each instance checks whether today's housekeeping jobs exist (one insert that usually conflicts). */
const HOUSEKEEPING_EVERY_MS = 60 * 60 * 1000;
/** How often each instance looks for shops whose daily reconciliation time has passed. */
const RECONCILE_SWEEP_EVERY_MS = 5 * 60 * 1000;

export function registerJobHandlers(db: PrismaClient) {
  registerJobHandler(RECORD_PAYMENT_IN_SHOPIFY, async (p) => recordPaymentInShopify(await paymentsDeps(), p.attemptId));
  registerJobHandler(RECOVER_PENDING_ATTEMPT, async (p, ctx) =>
    recoverPendingAttempt(await paymentsDeps(), p.attemptId, ctx),
  );
  registerJobHandler(ATTACH_RECEIPT_IN_SHOPIFY, async (p) => attachReceiptInShopify(await paymentsDeps(), p.attemptId));
  registerJobHandler(PULL_TRANSACTIONS, async (p) => void (await runPull(await pullDeps(), p)));
  registerJobHandler(RECORD_C2B_PAYMENT, async (p) => recordC2bPayment(await paymentsDeps(), p.paymentId));
  registerJobHandler(SEND_REFUND, async (p) => sendRefund(await refundsDeps(), p.refundId));
  registerJobHandler(SETTLE_REFUND, async (p) => settleRefund(await refundsDeps(), p.refundId));
  registerJobHandler(RECORD_REFUND_IN_SHOPIFY, async (p) => recordRefundInShopify(await refundsDeps(), p.refundId));
  registerJobHandler(NOTE_REFUND_ON_ORDER, async (p) => noteRefundOnOrder(await refundsDeps(), p.refundId));
  registerJobHandler(BACKFILL_ORDER_MATCH_KEYS, async (p) => void (await backfillOrderMatchKeys(db, p)));
  registerJobHandler(PRUNE_WEBHOOK_DELIVERIES, (p) => runWebhookDeliveryPrune(db, p));
  registerJobHandler(PRUNE_CALLBACK_LOG, (p) => runCallbackLogPrune(db, p));
  registerJobHandler(FIRE_FLOW_TRIGGER, async (p) => fireFlowTrigger(await paymentsDeps(), p));
  registerJobHandler(RUN_RECONCILIATION, (p) => runReconciliationJob(db, p));
  registerJobHandler(SEND_RECONCILIATION_EMAIL, (p) => sendReconciliationEmailJob(db, p));
  for (const event of INBOUND_EVENTS)
    registerJobHandler(event.jobType, async (p) => event.run(await paymentsDeps(), p));
}

export function periodicTasks(db: PrismaClient, now: () => Date = () => new Date()): PeriodicTask[] {
  const config = env();
  return [
    {
      name: "recover-stale-pending",
      // As often as an attempt may need its next query, but at least every 30 s.
      everyMs: Math.min(config.PENDING_RECOVERY_INTERVAL_SECONDS, 30) * 1000,
      run: async () => void (await sweepStalePending(await paymentsDeps())),
    },
    {
      // At the worker's first pass (then hourly, one insert that conflicts): the dedupe key lets it run
      // once per database, filling matching keys of MpesaOrder rows older than the paybill matcher.
      name: "backfill-order-match-keys",
      everyMs: HOUSEKEEPING_EVERY_MS,
      run: async () => void (await enqueueOrderKeysBackfill(db, now())),
    },
    {
      // Each shop's daily reconciliation, once its EAT time has passed (one job per shop and day).
      name: "reconcile-daily",
      everyMs: RECONCILE_SWEEP_EVERY_MS,
      run: async () => void (await enqueueDueDailyRuns(db, now())),
    },
    {
      // Pull Transactions of every registered account: this hour's window and this day's 48-hour sweep
      // (aligned windows, deduplicated across instances: reconciliation/pull/schedule.server.ts).
      name: "pull-transactions",
      everyMs: 10 * 60 * 1000,
      run: async () => void (await enqueueScheduledPulls(db, now(), config.PULL_HOURLY_LOOKBACK_HOURS)),
    },
    {
      name: "daily-housekeeping",
      everyMs: HOUSEKEEPING_EVERY_MS,
      run: async () => {
        await enqueueDailyHousekeeping(db, now());
        await enqueueDailyCallbackPrune(db, now(), {
          unattributedDays: config.CALLBACK_LOG_RETENTION_DAYS,
          attemptDays: config.PAYMENT_RECORDS_RETENTION_DAYS,
        });
      },
    },
  ];
}

/**
 * The work sources: stored inbound events (each row its own work item) and the Job table. On
 * PostgreSQL both claim with FOR UPDATE SKIP LOCKED (several instances never queue behind each
 * other's claims); on SQLite (one writer) the Job table keeps its conditional per-row claims.
 */
export function workSources(db: PrismaClient, databaseUrl = env().DATABASE_URL) {
  const config = env();
  const dialect = dialectOf(databaseUrl);
  const jobTypes = Object.fromEntries(INBOUND_EVENTS.map((e) => [e.kind, e.jobType.name]));
  return [
    inboxSource(db, { dialect, jobTypes, maxClaims: config.CALLBACK_MAX_ATTEMPTS }),
    jobQueueSource(db, { claim: dialect === "postgresql" ? "skip-locked" : "conditional" }),
  ];
}

export interface BackgroundWorkerOptions extends WorkerOptions {
  /** The database the worker's client talks to (default DATABASE_URL): PostgreSQL adds LISTEN/NOTIFY. */
  databaseUrl?: string;
}

/**
 * Starts this process's worker (server.mjs, via entry.server.tsx), woken by every event this process
 * stores and, on PostgreSQL, by every Job or CallbackLog row any instance commits (LISTEN/NOTIFY,
 * modules/jobs/wakeup.server.ts). Stopping it also closes the listening connection.
 */
export async function startBackgroundWorker(options: BackgroundWorkerOptions = {}): Promise<Worker> {
  const db = options.db ?? (await import("./db.server")).default;
  const databaseUrl = options.databaseUrl ?? env().DATABASE_URL;
  registerJobHandlers(db);
  const worker = startWorker({
    periodic: periodicTasks(db, options.now),
    sources: workSources(db, databaseUrl),
    ...options,
    db,
  });
  (await eventsDeps()).inbox.onStored(() => worker.wake("stored"));
  const enabled = options.enabled ?? env().JOB_WORKER;
  if (!enabled || dialectOf(databaseUrl) !== "postgresql") return worker;
  const listener = listenForWork(databaseUrl, { onWake: (reason) => worker.wake(reason) });
  await listener.ready;
  return {
    wake: worker.wake,
    stop: async () => {
      await listener.close();
      await worker.stop();
    },
  };
}
