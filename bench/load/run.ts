import { startCluster, type Cluster } from "../../scripts/cluster/index";
import { ordersCreatePayload, signedWebhook } from "../../app/modules/sandbox/demo-orders.server";
import { shopMix, type ShopSpec } from "../../scripts/cluster/seed";
import { pay, shopperAddress } from "../../scripts/cluster/shopper";
import { enqueueManualPull } from "../../app/modules/reconciliation/pull/schedule.server";
import { startRelay, type RelayStats } from "./relay";

// One load run against a cluster (scripts/cluster): `payments` Pays spread over `shops` shops of
// several Admin plans, sent through nginx by `concurrency` shoppers at once, each from its own
// loopback address. 5 % of the payments never get a callback (the emulator moves the money and sends
// nothing: phone numbers ending 0004), and of the callbacks that are sent 2 % arrive malformed and
// 20 % a second time at a different instance (bench/load/relay.ts). One instance is SIGKILLed when
// `killAt` of the Pays are in and started again `restartAfterMs` later. Then the run waits until every
// attempt is settled and every queue is empty (bounded by `drainTimeoutMs`) and counts.

export interface LoadOptions {
  root: string;
  instances: number;
  shops: number;
  payments: number;
  concurrency?: number; // 48
  dropShare?: number; // 0.05
  malformedShare?: number; // 0.02 (of all payments)
  duplicateShare?: number; // 0.2 (of all payments)
  killAt?: number | null; // 0.4 of the Pays; null: no kill
  restartAfterMs?: number; // 3000
  drainTimeoutMs?: number; // 180000
  /** After the drain, Pull Transactions for every shop, then count again (default true). */
  recoverByPull?: boolean;
  pgUrl?: string;
  keepDatabase?: boolean;
  log?: (msg: string) => void;
}

export interface ClassFigures {
  planClass: string;
  shops: number;
  recorded: number;
  p50Ms: number | null;
  p99Ms: number | null;
  adminCalls: number;
  throttled: number;
  pointsCharged: number;
  pointsBudget: number; // what the shops' buckets could give over the run
}

export interface LoadResult {
  instances: number;
  shops: number;
  payments: number;
  seconds: number; // first Pay to drained
  paySeconds: number; // first to last accepted Pay
  paysAccepted: number;
  payRetries: number;
  /** Pays whose answer was lost and that a second press found already paid. */
  paysAnsweredLate: number;
  relay: RelayStats;
  callbacksAckPerSecond: number;
  moneyMoved: number; // payments the emulator completed (the customer paid)
  recordedInShopify: number;
  /** Of those, recorded with no successful attempt: the money found by Pull Transactions and matched. */
  recordedByLedger: number;
  /** Recorded paid on the STK query's word, the receipt not yet found. */
  receiptPending: number;
  toReview: number; // needs a person (a contradiction, or the shop holds until the receipt is known)
  lost: number; // money moved, and neither recorded nor flagged for review (the double fault below aside)
  /** Money moved, the STK answer died with the killed instance (no CheckoutRequestID) AND no callback was acknowledged. */
  orphanedByCrash: number;
  /** The same figures once the queues drained, before Pull Transactions ran. */
  beforePull: {
    recordedInShopify: number;
    receiptPending: number;
    toReview: number;
    lost: number;
    orphanedByCrash: number;
  };
  /** The Pull Transactions pass after the run (null when it was not run). */
  pull: {
    seconds: number;
    runsDone: number;
    runsFailed: number;
    rows: number;
    receiptsAttached: number;
    newMoneyMatched: number;
  } | null;
  recordedTwice: number; // orders with more than one payment transaction
  jobsDead: number;
  callbacksDead: number;
  killed: { at: number; restartedAt: number } | null;
  drained: boolean;
  classes: ClassFigures[];
  attemptStatuses: Record<string, number>;
  /** The first lost payments, to look at (order, attempts, callback seen). */
  lostDetails: {
    order: string;
    shop: string;
    attempts: string[];
    checkoutRequestId: string;
    acked: boolean;
    malformed: boolean;
  }[];
  databaseUrl: string;
  /** Pays that never got an attempt: the last answer. */
  payFailures: { payment: number; status: number; body: unknown }[];
}

const quantile = (xs: number[], q: number) => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

/**
 * Phone numbers: distinct per payment (the per-phone limit), and the last four digits pick the
 * emulator's outcome: 0004 = success with no callback ever; 5000–9999 = plain success.
 */
function phoneFor(i: number, dropIndex: number | null): string {
  const pad = (n: number, w: number) => String(n).padStart(w, "0");
  if (dropIndex !== null) return `072${pad(dropIndex % 1000, 3)}0004`;
  return `071${pad(Math.floor(i / 5000) % 1000, 3)}${5000 + (i % 5000)}`;
}
const msisdn = (phone: string) => `254${phone.slice(1)}`;

/**
 * Registers every shop's paybill for Pull Transactions (the call the settings page makes, with the
 * emulator's consumer key, and the account marked registered as that page does), then "Pull now" for
 * each: one PULL_TRANSACTIONS job per account, run by the instances' workers.
 */
async function pullEveryShop(c: Cluster, shops: ShopSpec[]) {
  const basic = Buffer.from("emulator-consumer-key:emulator-consumer-secret").toString("base64");
  const oauth = await fetch(`${c.emulator.url}/oauth/v1/generate?grant_type=client_credentials`, {
    headers: { authorization: `Basic ${basic}` },
  });
  const { access_token: token } = (await oauth.json()) as { access_token: string };
  const nominatedNumber = "254722000000";
  for (const shop of shops) {
    const res = await fetch(`${c.emulator.url}/pulltransactions/v1/register`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({
        ShortCode: shop.shortCode,
        RequestType: "Pull",
        NominatedNumber: nominatedNumber,
        CallBackURL: `${c.proxy.url}/daraja/pull`,
      }),
    });
    if (!res.ok) throw new Error(`pull register for ${shop.domain}: HTTP ${res.status} ${await res.text()}`);
    const account = await c.db.mpesaAccount.update({
      where: { defaultForShop: shop.domain },
      data: { pullNominatedNumber: nominatedNumber, pullRegisteredAt: new Date() },
      select: { id: true, shopDomain: true },
    });
    await enqueueManualPull(c.db, account, new Date());
  }
}

export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const log = opts.log ?? (() => {});
  const dropShare = opts.dropShare ?? 0.05;
  const malformedShare = opts.malformedShare ?? 0.02;
  const duplicateShare = opts.duplicateShare ?? 0.2;
  const concurrency = opts.concurrency ?? 48;
  const killAt = opts.killAt === undefined ? 0.4 : opts.killAt;
  const delivered = 1 - dropShare;
  const relay = await startRelay({
    malformedShare: malformedShare / delivered,
    duplicateShare: duplicateShare / delivered,
  });
  const shops: ShopSpec[] = shopMix(opts.shops, "load-shop");
  let cluster: Cluster | undefined;
  try {
    cluster = await startCluster({
      root: opts.root,
      instances: opts.instances,
      pgUrl: opts.pgUrl,
      keepDatabase: opts.keepDatabase,
      shops,
      callbackBaseUrl: () => relay.url,
      emulator: { callbackDelayMs: 100, callbackTimeoutMs: 30_000 },
      appEnv: {
        // Missed callbacks are queried after 15 s (production: 90 s), then every 3 s.
        PENDING_RECOVERY_AFTER_SECONDS: "15",
        PENDING_RECOVERY_INTERVAL_SECONDS: "3",
        // The emulator answers at once: a callback that beat its STK answer waits 5 s + grace (10 s),
        // less than the recovery delay above, as in production (30 s + 5 s vs 90 s).
        DARAJA_TIMEOUT_MS: "5000",
        LOG_LEVEL: "error",
      },
      log,
    });
    const c = cluster;
    relay.setTargets(c.proxy.url, () => c.instances.map((i) => ({ port: i.port, running: i.running() })));

    // Orders exist in Shopify before the shoppers arrive (a shop's order numbers in creation order).
    const orders = Array.from({ length: opts.payments }, (_, i) => {
      const shop = shops[i % shops.length];
      return { shop, order: c.standin.createOrder({ shop: shop.domain, total: String(100 + (i % 900)) }) };
    });
    // Shopify tells the app about each order (orders/create, as it does for every order of a shop that
    // installed the app): the receipt-keyed ledger matches money it finds later (Pull Transactions) to
    // the order by its account reference from these.
    for (let k = 0; k < orders.length; k += 16) {
      await Promise.all(
        orders.slice(k, k + 16).map(async ({ shop, order }) => {
          const { raw, headers } = signedWebhook(
            "orders/create",
            shop.domain,
            ordersCreatePayload(order as Parameters<typeof ordersCreatePayload>[0]),
            c.apiSecret,
          );
          const res = await fetch(`${c.proxy.url}/webhooks/orders/create`, { method: "POST", headers, body: raw });
          if (res.status !== 200) throw new Error(`orders/create for ${order.name} answered ${res.status}`);
        }),
      );
    }
    // Which payments get no callback: an even spread (every 20th for 5 %).
    const every = dropShare > 0 ? Math.round(1 / dropShare) : 0;
    const phones = orders.map((_, i) => phoneFor(i, every && (i + 1) % every === 0 ? (i + 1) / every : null));

    log(`paying ${opts.payments} orders of ${shops.length} shops through nginx (${opts.instances} instances)…`);
    const started = Date.now();
    let next = 0;
    let accepted = 0;
    let retries = 0;
    let answeredLate = 0;
    let lastAcceptedAt = started;
    const payFailures: LoadResult["payFailures"] = [];
    const attemptIds: (string | null)[] = new Array(opts.payments).fill(null);
    let killed: { at: number; restartedAt: number } | null = null;
    let killing: Promise<void> | null = null;
    const victim = c.instances[c.instances.length - 1];

    const shopper = async () => {
      for (;;) {
        const i = next++;
        if (i >= opts.payments) return;
        if (killAt !== null && !killing && i >= Math.floor(opts.payments * killAt)) {
          killing = (async () => {
            const at = Date.now() - started;
            await victim.kill();
            log(
              `  SIGKILL ${victim.name} at ${(at / 1000).toFixed(1)} s; restarting in ${opts.restartAfterMs ?? 3000} ms`,
            );
            await new Promise((r) => setTimeout(r, opts.restartAfterMs ?? 3000));
            await victim.start();
            killed = { at, restartedAt: Date.now() - started };
            log(`  ${victim.name} restarted at ${(killed.restartedAt / 1000).toFixed(1)} s`);
          })();
        }
        const { shop, order } = orders[i];
        let last: { status: number; body: unknown } | null = null;
        let ok = false;
        for (let tries = 0; tries < 30; tries++) {
          const answer = await pay({
            proxyUrl: c.proxy.url,
            apiKey: c.apiKey,
            apiSecret: c.apiSecret,
            shop: shop.domain,
            orderId: order.id,
            confirmationNumber: order.confirmationNumber,
            phone: phones[i],
            localAddress: shopperAddress(i),
          });
          const body = answer.body as { attempt?: { id: string } } | null;
          if (answer.status === 200 && body?.attempt?.id) {
            attemptIds[i] = body.attempt.id;
            ok = true;
            accepted++;
            lastAcceptedAt = Date.now();
            break;
          }
          // No answer (an instance died mid-request), 502/503 (restarting, Shopify or Daraja busy), 429:
          // the shopper presses Pay again; the app answers the attempt already under way, if any.
          // An earlier press went through and its answer was lost (the instance died): paid already.
          const code = (answer.body as { error?: { code?: string } } | null)?.error?.code;
          if (tries > 0 && answer.status === 409 && code === "ALREADY_PAID") {
            ok = true;
            accepted++;
            answeredLate++;
            lastAcceptedAt = Date.now();
            break;
          }
          last = { status: answer.status, body: answer.body };
          // A refusal (4xx other than 429) will not change by pressing again.
          if (answer.status >= 400 && answer.status < 500 && answer.status !== 429) break;
          retries++;
          const wait = Math.min(5_000, (answer.retryAfterSeconds ?? 0) * 1000 || 250 * (tries + 1));
          await new Promise((r) => setTimeout(r, wait));
        }
        if (!ok && payFailures.length < 20) payFailures.push({ payment: i, ...(last ?? { status: 0, body: null }) });
        if ((i + 1) % Math.max(1, Math.floor(opts.payments / 10)) === 0)
          log(`  ${i + 1}/${opts.payments} Pays sent, ${((Date.now() - started) / 1000).toFixed(0)} s`);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, shopper));
    await killing;

    const drain = async (timeoutMs: number) => {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const [pending, received, jobs] = await Promise.all([
          c.db.paymentAttempt.count({ where: { status: "PENDING" } }),
          c.db.callbackLog.count({ where: { status: "RECEIVED" } }),
          c.db.job.count({
            where: { status: { in: ["QUEUED", "RUNNING"] }, type: { not: { startsWith: "prune" } } },
          }),
        ]);
        if (pending === 0 && received === 0 && jobs === 0) return true;
        await new Promise((r) => setTimeout(r, 1000));
      }
      return false;
    };
    log("waiting for every attempt to settle and every queue to drain…");
    let drained = await drain(opts.drainTimeoutMs ?? 180_000);
    const ended = Date.now();
    const seconds = (ended - started) / 1000;

    // Counting. The emulator knows which payments moved money; Shopify (the stand-in) which orders
    // were recorded paid and how many times; the database how every attempt ended.
    const byAmountPhone = new Map(orders.map((o, i) => [`${msisdn(phones[i])}|${100 + (i % 900)}`, i]));
    const moved = new Set<number>(); // payments whose money moved (the emulator completed them)
    const checkoutOf = new Map<number, string>();
    for (const t of c.emulator.stkTransactions()) {
      if (!t.final || Number(t.final.resultCode) !== 0) continue;
      const i = byAmountPhone.get(`${t.phone}|${t.amount}`);
      if (i === undefined) continue;
      moved.add(i);
      checkoutOf.set(i, t.checkoutRequestId);
    }
    const tally = async () => {
      const attempts = await c.db.paymentAttempt.findMany({
        select: {
          orderGid: true,
          status: true,
          reviewCode: true,
          recordedInShopifyAt: true,
          checkoutRequestId: true,
          receiptPendingSince: true,
          receiptAttachedAt: true,
        },
      });
      const recordedAt = new Map<string, number>();
      for (const a of attempts) if (a.recordedInShopifyAt) recordedAt.set(a.orderGid, a.recordedInShopifyAt.getTime());
      const statuses: Record<string, number> = {};
      const attemptsOf = new Map<string, string[]>();
      const unanswered = new Set<string>(); // orders with an attempt whose STK answer was never stored
      let receiptPending = 0; // recorded paid on the STK query's word, receipt still to come (issue: reconciliation)
      for (const a of attempts) {
        const k = a.reviewCode ? `${a.status}:${a.reviewCode}` : a.status;
        statuses[k] = (statuses[k] ?? 0) + 1;
        attemptsOf.set(a.orderGid, [...(attemptsOf.get(a.orderGid) ?? []), a.status]);
        if (!a.checkoutRequestId) unanswered.add(a.orderGid);
        if (a.status === "SUCCEEDED" && a.receiptPendingSince && !a.receiptAttachedAt) receiptPending++;
      }
      const lostDetails: LoadResult["lostDetails"] = [];
      let orphaned = 0;
      let recorded = 0;
      let recordedByLedger = 0;
      let toReview = 0;
      let lost = 0;
      let twice = 0;
      const latencies = new Map<string, number[]>();
      const salesOf = new Map<string, number>();
      for (const { order } of orders) {
        const sales = (c.standin.getOrder(order.id)?.transactions ?? []).filter((t) => t.kind === "SALE").length;
        salesOf.set(order.id, sales);
        if (sales > 1) twice++;
      }
      for (const i of moved) {
        const { order, shop } = orders[i];
        const states = attemptsOf.get(order.id) ?? [];
        const sale = salesOf.get(order.id)!;
        if (states.includes("SUCCEEDED") && sale >= 1) {
          recorded++;
          // Callback acknowledged (first 200) -> the app saw Shopify accept the payment.
          const ack = relay.ackedAt.get(checkoutOf.get(i)!);
          const at = recordedAt.get(order.id);
          if (ack && at) {
            if (!latencies.has(shop.planClass)) latencies.set(shop.planClass, []);
            latencies.get(shop.planClass)!.push(Math.max(0, at - ack));
          }
        } else if (sale >= 1) {
          // Recorded with no attempt that succeeded: the receipt-keyed ledger found the money (Pull
          // Transactions matched it to the order by its account reference, as a paybill payment).
          recorded++;
          recordedByLedger++;
        } else if (states.includes("NEEDS_REVIEW")) toReview++;
        else if (
          states.length > 0 &&
          states.every((st) => st === "TIMED_OUT") &&
          unanswered.has(order.id) &&
          !relay.ackedAt.has(checkoutOf.get(i)!)
        ) {
          // The double fault: the instance died after Daraja took the push and before its answer (the
          // CheckoutRequestID) was stored, AND no callback was ever acknowledged for it (none sent, cut
          // in half, or sent while the only instance was down). STK Push Query cannot find a push
          // without its id; only Safaricom's record can: Pull Transactions (below) or the statement.
          orphaned++;
        } else {
          lost++;
          const id = checkoutOf.get(i)!;
          if (lostDetails.length < 20)
            lostDetails.push({
              order: order.id,
              shop: shop.domain,
              attempts: states,
              checkoutRequestId: id,
              acked: relay.ackedAt.has(id),
              malformed: relay.malformed.has(id),
            });
        }
      }
      return {
        statuses,
        receiptPending,
        lostDetails,
        orphaned,
        recorded,
        recordedByLedger,
        toReview,
        lost,
        twice,
        latencies,
      };
    };
    const beforePull = await tally();
    let pulled: LoadResult["pull"] = null;
    if (opts.recoverByPull !== false && drained) {
      // What a merchant does when money is missing: Pull Transactions over the last 48 hours, for every
      // shop (registered as settings do, then "Pull now"). Every row goes through the receipt-keyed
      // ledger: a receipt already known is a confirmation, a pending receipt is attached, new money is
      // matched to its order by the account reference the push carried.
      log('Pull Transactions for every shop (the merchant\'s "Pull now")…');
      const pullStarted = Date.now();
      await pullEveryShop(c, shops);
      drained = await drain(opts.drainTimeoutMs ?? 180_000);
      const runs = await c.db.pullRun.findMany({
        select: { status: true, rows: true, attached: true, newMatched: true },
      });
      pulled = {
        seconds: (Date.now() - pullStarted) / 1000,
        runsDone: runs.filter((r) => r.status === "DONE").length,
        runsFailed: runs.filter((r) => r.status === "FAILED").length,
        rows: runs.reduce((n, r) => n + r.rows, 0),
        receiptsAttached: runs.reduce((n, r) => n + r.attached, 0),
        newMoneyMatched: runs.reduce((n, r) => n + r.newMatched, 0),
      };
    }
    const after = await tally();
    const { statuses, lostDetails, latencies } = after;
    const usage = c.standin.usage();
    const classes: ClassFigures[] = [];
    for (const planClass of [...new Set(shops.map((s) => s.planClass))]) {
      const members = shops.filter((s) => s.planClass === planClass);
      const f: ClassFigures = {
        planClass,
        shops: members.length,
        recorded: latencies.get(planClass)?.length ?? 0,
        p50Ms: quantile(latencies.get(planClass) ?? [], 0.5),
        p99Ms: quantile(latencies.get(planClass) ?? [], 0.99),
        adminCalls: 0,
        throttled: 0,
        pointsCharged: 0,
        pointsBudget: 0,
      };
      for (const s of members) {
        const u = usage[s.domain];
        const plan = c.standin.throttleStatus(s.domain);
        f.pointsBudget += plan.maximumAvailable + plan.restoreRate * seconds;
        if (!u) continue;
        f.adminCalls += u.calls;
        f.throttled += u.throttled;
        f.pointsCharged += u.pointsCharged;
      }
      classes.push(f);
    }
    const ackWindow = (relay.stats.lastAckAt - relay.stats.firstAckAt) / 1000;
    return {
      instances: opts.instances,
      shops: shops.length,
      payments: opts.payments,
      seconds,
      paySeconds: (lastAcceptedAt - started) / 1000,
      paysAccepted: accepted,
      payRetries: retries,
      paysAnsweredLate: answeredLate,
      relay: { ...relay.stats },
      callbacksAckPerSecond: ackWindow > 0 ? relay.stats.acknowledged / ackWindow : relay.stats.acknowledged,
      moneyMoved: moved.size,
      recordedInShopify: after.recorded,
      recordedByLedger: after.recordedByLedger,
      receiptPending: after.receiptPending,
      toReview: after.toReview,
      lost: after.lost,
      orphanedByCrash: after.orphaned,
      beforePull: {
        recordedInShopify: beforePull.recorded,
        receiptPending: beforePull.receiptPending,
        toReview: beforePull.toReview,
        lost: beforePull.lost,
        orphanedByCrash: beforePull.orphaned,
      },
      pull: pulled,
      recordedTwice: after.twice,
      jobsDead: await c.db.job.count({ where: { status: "DEAD" } }),
      callbacksDead: await c.db.callbackLog.count({ where: { status: "DEAD" } }),
      killed,
      drained,
      classes,
      attemptStatuses: statuses,
      lostDetails,
      payFailures,
      databaseUrl: c.databaseUrl,
    };
  } finally {
    await cluster?.stop();
    await relay.close();
  }
}
