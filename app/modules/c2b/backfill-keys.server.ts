import type { Prisma, PrismaClient } from "@prisma/client";
import { enqueueJob } from "../jobs/queue.server";
import { BACKFILL_ORDER_MATCH_KEYS } from "./job-types";
import { matchingKeys } from "./matching";

// MpesaOrder rows written before the paybill matcher existed have none of its keys (referenceKey,
// nameKey, nameDigitsKey, confirmationKey), so a payment naming such an order would go to the
// unmatched queue. This job renders them once, in batches, with the same function orders/create
// uses (matching.ts matchingKeys) and the shop's account reference template. It is
// enqueued at every worker start under one dedupe key: it runs once per database, and new rows
// always get their keys from orders/create.

/** A row the backfill is for: every key missing, and something to render them from. */
const MISSING: Prisma.MpesaOrderWhereInput = {
  referenceKey: null,
  nameKey: null,
  nameDigitsKey: null,
  confirmationKey: null,
  OR: [{ orderName: { not: null } }, { confirmationNumber: { not: null } }],
};

export const BACKFILL_DEDUPE_KEY = `${BACKFILL_ORDER_MATCH_KEYS.name}:v1`;

export function enqueueOrderKeysBackfill(db: PrismaClient, now: Date) {
  return enqueueJob(db, {
    type: BACKFILL_ORDER_MATCH_KEYS,
    payload: { batchSize: 500 },
    dedupeKey: BACKFILL_DEDUPE_KEY,
    runAt: now,
    maxAttempts: 10,
  });
}

export type BackfillResult = { updated: number; batches: number };

/**
 * Fills the keys of every row still missing them. Each row is written only while its keys are still
 * all missing (an orders/create replay filling them meanwhile wins); rows are walked by id, so a row
 * whose keys render empty is passed over, not read again forever.
 */
export async function backfillOrderMatchKeys(db: PrismaClient, opts: { batchSize: number }): Promise<BackfillResult> {
  const templates = new Map<string, string>();
  const templateOf = async (shopDomain: string) => {
    let t = templates.get(shopDomain);
    if (t === undefined) {
      const settings = await db.shopSettings.findUnique({
        where: { shopDomain },
        select: { accountReferenceTemplate: true },
      });
      t = settings?.accountReferenceTemplate ?? "{order_number}";
      templates.set(shopDomain, t);
    }
    return t;
  };

  let afterId: string | undefined;
  let updated = 0;
  let batches = 0;
  for (;;) {
    const rows = await db.mpesaOrder.findMany({
      where: afterId ? { AND: [MISSING, { id: { gt: afterId } }] } : MISSING,
      orderBy: { id: "asc" },
      take: opts.batchSize,
      select: { id: true, shopDomain: true, orderName: true, confirmationNumber: true },
    });
    if (!rows.length) break;
    batches++;
    const writes = [];
    for (const row of rows) {
      const keys = matchingKeys(row, await templateOf(row.shopDomain));
      if (Object.values(keys).every((k) => k === null)) continue;
      writes.push(
        db.mpesaOrder.updateMany({
          where: { id: row.id, referenceKey: null, nameKey: null, nameDigitsKey: null, confirmationKey: null },
          data: keys,
        }),
      );
    }
    const results = writes.length ? await db.$transaction(writes) : [];
    updated += results.reduce((n, r) => n + r.count, 0);
    afterId = rows[rows.length - 1].id;
    if (rows.length < opts.batchSize) break;
  }
  return { updated, batches };
}
