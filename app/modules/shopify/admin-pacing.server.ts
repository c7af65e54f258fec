import type { PrismaClient, ShopifyAdminBucket } from "@prisma/client";
import { estimateQueryCost } from "./admin-cost";
import type { AdminGraphql } from "./admin-request";
import { ShopifyRetryableError } from "./errors";

// Per-shop pacing of Admin API calls, so a burst for one shop is sent as fast as its leaky bucket
// allows and never meets THROTTLED. The bucket's picture lives in the app database
// (ShopifyAdminBucket), shared by every instance:
//   - before a call, its cost (Shopify's requestedQueryCost for this document once seen, else an
//     upper estimate) is reserved: the level, restored at the shop's rate since it was written, goes
//     down by that much, possibly below 0 — the caller then waits its turn (cost − level) / rate;
//   - after the answer, the difference to the actual cost is given back and the level is lowered to
//     what Shopify reports in throttleStatus (never raised: calls reserved but not yet charged by
//     Shopify are in our level and not yet in Shopify's);
//   - a wait longer than `maxWaitMs` is not slept through: the first call of a unit of work (one
//     adminGraphqlForShop) fails with ShopifyRetryableError carrying the time of its turn, so the job
//     goes back to the queue and frees its worker slot for other shops. Turns handed out that way
//     follow each other (deferredUntil), so a burst comes back spread out, not all at once;
//   - a shop never seen yet (or not yet calibrated) has one probe call in flight and nothing else:
//     every other call waits (polling the row) until the probe's answer reports the real bucket, so
//     the first figure from Shopify is taken as it is, with no reservation made from a guessed level
//     to reconcile it with. A probe that never settles (its instance died) is taken over after
//     PROBE_TIMEOUT_MS; one that failed without a throttleStatus hands the probe to the next caller.
// Every update is a compare-and-set on `version`: two instances cannot take the same points.

export interface PacingOptions {
  /** longest wait slept through before the first call of a unit of work (else: come back later) */
  maxWaitMs: number;
  /** longest wait slept through for a later call of a unit already under way */
  maxWaitInFlightMs: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

interface CostExtension {
  requestedQueryCost?: number | null;
  actualQueryCost?: number | null;
  throttleStatus?: { maximumAvailable?: number; currentlyAvailable?: number; restoreRate?: number };
}

type Bucket = Omit<ShopifyAdminBucket, "shopDomain" | "version"> & { version?: number };

/** Until Shopify has answered once: the slowest restore rate Shopify has published (Standard, older docs). */
const UNKNOWN_RESTORE_RATE = 50;
const CAS_ATTEMPTS = 50;
/** A probe with no answer after this long is presumed lost (its instance died): the next caller probes. */
const PROBE_TIMEOUT_MS = 15_000;
/** How often a call waiting for a shop's probe looks at the row again. */
const PROBE_POLL_MS = 50;

/** Shopify's requestedQueryCost per document, as last reported (process-local: it is a property of the document). */
const requestedCosts = new Map<string, number>();
/** The most one unit of work that began with this document has reserved (spaces deferred turns). */
const unitCosts = new Map<string, number>();

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createAdminPacer(db: PrismaClient, options: PacingOptions) {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? sleepFor;

  const levelAt = (row: Bucket, at: number) =>
    Math.min(row.maximumAvailable, row.available + (Math.max(0, at - row.observedAtMs) / 1000) * row.restoreRate);

  /**
   * Read, compute, compare-and-set; `change` returns the new state and a result. The writes are single
   * plain statements (no read-then-write transaction, which SQLite answers SQLITE_BUSY under load).
   */
  async function update<T>(
    shop: string,
    change: (row: Bucket | null, at: number) => { data: Partial<Bucket>; result: T },
  ): Promise<T> {
    for (let i = 0; i < CAS_ATTEMPTS; i++) {
      const row = await db.shopifyAdminBucket.findUnique({ where: { shopDomain: shop } });
      const at = now();
      const { data, result } = change(row, at);
      if (Object.keys(data).length === 0) return result; // nothing to write (a wait, a deferral)
      const next: Bucket = {
        ...(row ?? {
          maximumAvailable: 0,
          restoreRate: UNKNOWN_RESTORE_RATE,
          available: 0,
          observedAtMs: at,
          calibrated: false,
          deferredUntilMs: null,
        }),
        ...data,
      };
      const count = row
        ? await db.$executeRaw`UPDATE "ShopifyAdminBucket" SET "maximumAvailable" = ${next.maximumAvailable}, "restoreRate" = ${next.restoreRate},
            "available" = ${next.available}, "observedAtMs" = ${next.observedAtMs}, "calibrated" = ${next.calibrated},
            "deferredUntilMs" = ${next.deferredUntilMs}, "version" = "version" + 1
            WHERE "shopDomain" = ${shop} AND "version" = ${row.version}`
        : await db.$executeRaw`INSERT INTO "ShopifyAdminBucket" ("shopDomain", "maximumAvailable", "restoreRate", "available", "observedAtMs", "calibrated", "deferredUntilMs", "version")
            VALUES (${shop}, ${next.maximumAvailable}, ${next.restoreRate}, ${next.available}, ${next.observedAtMs}, ${next.calibrated}, ${next.deferredUntilMs}, 0)
            ON CONFLICT ("shopDomain") DO NOTHING`;
      if (count === 1) return result;
    }
    throw new ShopifyRetryableError(`Admin API pacing for ${shop}: too much contention on the bucket`, {
      retryAfterMs: 1000,
    });
  }

  /** Reserves `cost` points; resolves with the wait before sending, or throws to come back later. */
  async function reserve(shop: string, cost: number, unitCost: number, canDefer: boolean): Promise<number> {
    const maxWait = canDefer ? options.maxWaitMs : options.maxWaitInFlightMs;
    type Outcome = { waitMs: number; deferred: boolean; probing?: boolean };
    const startedAt = now();
    for (;;) {
      const outcome = await update(shop, (row, at): { data: Partial<Bucket>; result: Outcome } => {
        if (!row || (!row.calibrated && at - row.observedAtMs >= PROBE_TIMEOUT_MS)) {
          // Never seen (or the probe was lost): this call is the probe, sent at once.
          return {
            data: { maximumAvailable: cost, available: 0, observedAtMs: at, deferredUntilMs: null },
            result: { waitMs: 0, deferred: false },
          };
        }
        if (!row.calibrated) {
          // A probe is in flight: nothing is reserved until its answer gives the real bucket.
          const waited = at - startedAt;
          if (waited + PROBE_POLL_MS <= maxWait)
            return { data: {}, result: { waitMs: 0, deferred: false, probing: true } };
          return { data: {}, result: { waitMs: Math.max(PROBE_POLL_MS, maxWait), deferred: true } };
        }
        const level = levelAt(row, at);
        const waitMs = level >= cost ? 0 : Math.ceil(((cost - level) / row.restoreRate) * 1000);
        if (waitMs <= maxWait || !canDefer) {
          if (waitMs > maxWait) return { data: {}, result: { waitMs, deferred: true } }; // under way: nothing reserved
          return { data: { available: level - cost, observedAtMs: at }, result: { waitMs, deferred: false } };
        }
        // Sent away: its turn comes after the turns already handed out, and the next one after its own.
        const turn = Math.max(at + waitMs, row.deferredUntilMs ?? 0);
        const deferredUntilMs = turn + Math.ceil((unitCost / row.restoreRate) * 1000);
        return { data: { deferredUntilMs }, result: { waitMs: turn - at, deferred: true } };
      });
      if (outcome.probing) {
        await sleep(PROBE_POLL_MS);
        continue;
      }
      if (outcome.deferred) {
        throw new ShopifyRetryableError(
          `Admin API budget of ${shop} is spent for now; its turn comes in ${outcome.waitMs} ms`,
          {
            retryAfterMs: outcome.waitMs,
          },
        );
      }
      return outcome.waitMs;
    }
  }

  /** Gives back what was not charged and lowers the level to what Shopify reported. */
  function settle(shop: string, reserved: number, cost: CostExtension | undefined) {
    const status = cost?.throttleStatus;
    const refund = cost?.actualQueryCost == null ? (cost ? reserved : 0) : Math.max(0, reserved - cost.actualQueryCost);
    const reported =
      status?.restoreRate && status.maximumAvailable && status.currentlyAvailable !== undefined
        ? {
            maximumAvailable: status.maximumAvailable,
            currentlyAvailable: status.currentlyAvailable,
            restoreRate: status.restoreRate,
          }
        : null;
    return update(shop, (row, at) => {
      if (!reported) {
        // No figure from Shopify. An uncalibrated row is waiting for its probe: this was it, and it
        // failed — the next caller probes (observedAtMs far in the past) instead of waiting it out.
        if (row && !row.calibrated) return { data: { observedAtMs: 0 }, result: undefined };
        if (!refund || !row) return { data: {}, result: undefined };
        return { data: { available: levelAt(row, at) + refund, observedAtMs: at }, result: undefined };
      }
      // Calibrated: calls reserved but not yet charged by Shopify are in our level and not in its
      // figure, so the level is only ever lowered to it. Before calibration nothing else has been
      // reserved (every other call waited for this probe): Shopify's figure is the level.
      const available = row?.calibrated
        ? Math.min(levelAt(row, at) + refund, reported.currentlyAvailable)
        : reported.currentlyAvailable;
      return {
        data: {
          available: Math.min(reported.maximumAvailable, available),
          maximumAvailable: reported.maximumAvailable,
          restoreRate: reported.restoreRate,
          calibrated: true,
          observedAtMs: at,
        },
        result: undefined,
      };
    });
  }

  /** A unit of work's view of `graphql` for `shop`: every call paced, the first one may be deferred. */
  function pace(shop: string, graphql: AdminGraphql): AdminGraphql {
    let first: string | undefined;
    let spent = 0;
    return async (document, callOptions) => {
      const cost = requestedCosts.get(document) ?? estimateQueryCost(document, callOptions?.variables);
      const canDefer = first === undefined;
      first ??= document;
      const wait = await reserve(shop, cost, unitCosts.get(first) ?? cost, canDefer);
      if (wait > 0) await sleep(wait);
      let answer: CostExtension | undefined;
      try {
        const response = await graphql(document, callOptions);
        const text = await response.text();
        answer = costOf(parseJson(text));
        return new Response(text, {
          status: response.status,
          statusText: response.statusText,
          headers: response.headers,
        });
      } catch (error) {
        // admin.graphql throws GraphqlQueryError for THROTTLED and other top-level errors, with the body.
        answer = costOf((error as { body?: unknown })?.body);
        throw error;
      } finally {
        if (typeof answer?.requestedQueryCost === "number") requestedCosts.set(document, answer.requestedQueryCost);
        // Turns are spaced by what a unit really spends (requested costs are refunded down to actual).
        spent += answer?.actualQueryCost ?? cost;
        unitCosts.set(first, Math.max(unitCosts.get(first) ?? 0, spent));
        await settle(shop, cost, answer);
      }
    };
  }

  return { pace };
}

export type AdminPacer = ReturnType<typeof createAdminPacer>;

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

const costOf = (body: unknown): CostExtension | undefined =>
  (body as { extensions?: { cost?: CostExtension } } | undefined)?.extensions?.cost;
