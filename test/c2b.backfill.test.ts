import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { createPrismaClient } from "../app/db.server";
import { BACKFILL_DEDUPE_KEY, backfillOrderMatchKeys } from "../app/modules/c2b/backfill-keys.server";
import { BACKFILL_ORDER_MATCH_KEYS } from "../app/modules/c2b/job-types";
import { runDueJobs } from "../app/modules/jobs/runner.server";
import { mpesaOrderFields } from "../app/modules/webhooks/order-payload";
import { periodicTasks, registerJobHandlers } from "../app/worker.server";

// MpesaOrder rows stored before the paybill matcher have no matching keys; the backfill job (enqueued
// by the worker's first pass, once per database) renders them as orders/create does.

const db = createPrismaClient(process.env.DATABASE_URL);
afterAll(() => db.$disconnect());

const SHOP = "backfill-a.myshopify.com";
const OTHER = "backfill-b.myshopify.com"; // no settings saved: the default template
const T0 = new Date("2026-12-02T06:00:00Z");
const runner = { lockMs: 60_000, backoff: { baseMs: 1000, maxMs: 60_000 }, now: () => T0 };
const NO_KEYS = { referenceKey: null, nameKey: null, nameDigitsKey: null, confirmationKey: null };
const keysOf = async (orderGid: string) =>
  db.mpesaOrder.findFirstOrThrow({
    where: { orderGid },
    select: { referenceKey: true, nameKey: true, nameDigitsKey: true, confirmationKey: true },
  });
const old = (shopDomain: string, n: number, orderName: string | null, confirmationNumber: string | null) => ({
  shopDomain,
  orderGid: `gid://shopify/Order/${n}`,
  orderName,
  confirmationNumber,
  currency: "KES",
  outstandingKes: 100,
});

beforeEach(async () => {
  await db.job.deleteMany();
  await db.mpesaOrder.deleteMany();
  await db.shopSettings.deleteMany();
  await db.shopSettings.create({ data: { shopDomain: SHOP, accountReferenceTemplate: "INV{order_number}" } });
});

describe("backfill of paybill matching keys", () => {
  it("the worker's first pass enqueues it once; it fills the keys orders/create would have stored", async () => {
    await db.mpesaOrder.createMany({
      data: [
        old(SHOP, 1, "#1001", "XK4B9T2QZ"),
        old(SHOP, 2, "#01002", null),
        old(OTHER, 3, "KE-0042", "AB12CD34E"),
        old(SHOP, 4, null, "ZZ99YY88X"), // no name: the confirmation number is its number
        old(SHOP, 5, null, null), // nothing to render from: stays without keys
      ],
    });
    // A row that already has keys (an orders/create after the migration) is left as it is.
    await db.mpesaOrder.create({
      data: { ...old(SHOP, 6, "#1006", null), referenceKey: "KEEP", nameKey: "KEEP" },
    });

    registerJobHandlers(db);
    const task = () => periodicTasks(db, () => T0).find((t) => t.name === "backfill-order-match-keys")!;
    await Promise.all([task().run(), task().run()]);
    const jobs = await db.job.findMany({ where: { type: BACKFILL_ORDER_MATCH_KEYS.name } });
    expect(jobs).toHaveLength(1);
    expect(jobs[0].dedupeKey).toBe(BACKFILL_DEDUPE_KEY);
    expect(await runDueJobs(db, runner)).toBe(1);
    expect((await db.job.findUniqueOrThrow({ where: { id: jobs[0].id } })).status).toBe("DONE");

    expect(await keysOf("gid://shopify/Order/1")).toEqual({
      referenceKey: "INV1001",
      nameKey: "1001",
      nameDigitsKey: "1001",
      confirmationKey: "XK4B9T2QZ",
    });
    // The same function as the orders/create path: compare with what a webhook would store.
    const fromWebhook = (n: number, name: string | null, confirmation: string | null, template?: string) => {
      const { referenceKey, nameKey, nameDigitsKey, confirmationKey } = mpesaOrderFields(
        { id: n, name, confirmation_number: confirmation, currency: "KES" },
        template,
      );
      return { referenceKey, nameKey, nameDigitsKey, confirmationKey };
    };
    expect(await keysOf("gid://shopify/Order/2")).toEqual(fromWebhook(2, "#01002", null, "INV{order_number}"));
    expect(await keysOf("gid://shopify/Order/3")).toEqual(fromWebhook(3, "KE-0042", "AB12CD34E"));
    expect((await keysOf("gid://shopify/Order/3")).referenceKey).toBe("42"); // the other shop's default template
    expect(await keysOf("gid://shopify/Order/4")).toEqual(fromWebhook(4, null, "ZZ99YY88X", "INV{order_number}"));
    expect(await keysOf("gid://shopify/Order/5")).toEqual(NO_KEYS);
    expect(await keysOf("gid://shopify/Order/6")).toEqual({ ...NO_KEYS, referenceKey: "KEEP", nameKey: "KEEP" });

    // A later start enqueues nothing new: it ran for this database.
    await task().run();
    expect(await db.job.count({ where: { type: BACKFILL_ORDER_MATCH_KEYS.name } })).toBe(1);
  });

  it("works in batches, and a second run finds nothing left", async () => {
    await db.mpesaOrder.createMany({
      data: [1, 2, 3, 4, 5].map((n) => old(SHOP, 100 + n, `#${2000 + n}`, null)).concat(old(SHOP, 199, null, null)),
    });
    expect(await backfillOrderMatchKeys(db, { batchSize: 2 })).toEqual({ updated: 5, batches: 3 });
    expect(await db.mpesaOrder.count({ where: { referenceKey: null } })).toBe(1); // the one with nothing to render
    expect((await keysOf("gid://shopify/Order/103")).referenceKey).toBe("INV2003");
    expect(await backfillOrderMatchKeys(db, { batchSize: 2 })).toEqual({ updated: 0, batches: 0 });
  });
});
