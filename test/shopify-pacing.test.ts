import { getOperationAST, parse } from "graphql";
import type { PrismaClient } from "@prisma/client";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createPrismaClient } from "../app/db.server";
import { estimateQueryCost } from "../app/modules/shopify/admin-cost";
import { createAdminPacer } from "../app/modules/shopify/admin-pacing.server";
import { adminRequest, type AdminGraphql } from "../app/modules/shopify/admin-request";
import * as documents from "../app/modules/shopify/documents";
import { ShopifyRetryableError } from "../app/modules/shopify/errors";
import { startShopifyStandin, type ShopifyStandin } from "../shopify-standin/index";
import { adminSchema } from "../shopify-standin/admin-schema";
import { operationCost } from "../shopify-standin/cost";

// Per-shop pacing of Admin API calls against the stand-in's real cost model: units of work for one
// shop on a small plan, run the way the job queue runs them (a deferred unit comes back when told),
// by two "instances" (two pacers, two database clients) sharing the bucket row.

const BUSY = "pacing-busy.myshopify.com";
const CALM = "pacing-calm.myshopify.com";
let standin: ShopifyStandin;
let dbs: PrismaClient[];

beforeAll(async () => {
  standin = await startShopifyStandin();
  dbs = [createPrismaClient(process.env.DATABASE_URL), createPrismaClient(process.env.DATABASE_URL)];
});
afterAll(async () => {
  await standin.close();
  await Promise.all(dbs.map((db) => db.$disconnect()));
});
beforeEach(async () => {
  standin.reset({ shops: true });
  await dbs[0].shopifyAdminBucket.deleteMany({});
});

/** A plain fetch client for a shop (answers instead of throwing, like any AdminGraphql may). */
const fetchGraphql =
  (shop: string): AdminGraphql =>
  (query, options) =>
    fetch(`${standin.url}/${shop}/admin/api/2026-07/graphql.json`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Shopify-Access-Token": "t" },
      body: JSON.stringify({ query, variables: options?.variables ?? {} }),
    });

const throttled = (shop: string) =>
  standin.requests().filter((r) => r.shop === shop && r.outcome === "throttled").length;

describe("cost estimate before Shopify has answered", () => {
  it("is never below the requested cost Shopify calculates for the app's documents", () => {
    const docs = (Object.values(documents) as string[]).filter((d) => /^\s*#graphql/.test(d));
    expect(docs.length).toBeGreaterThanOrEqual(5);
    for (const doc of docs) {
      const op = getOperationAST(parse(doc))!;
      const shopify = operationCost(adminSchema(), op, {}, {}).requested;
      expect(estimateQueryCost(doc), op.name?.value).toBeGreaterThanOrEqual(shopify);
      expect(estimateQueryCost(doc)).toBeLessThanOrEqual(shopify * 1.1 + 2); // and not wildly above
    }
  });
});

describe("pacing", () => {
  function setup(plan = { maximumAvailable: 150, restoreRate: 100 }) {
    standin.registerShop(BUSY, "t", { plan });
    standin.registerShop(CALM, "t");
    const options = { maxWaitMs: 300, maxWaitInFlightMs: 5000 };
    return dbs.map((db) => createAdminPacer(db, options));
  }

  /** One unit of work like recording a payment: read the order, then three mutations. */
  async function unit(graphql: AdminGraphql, orderGid: string) {
    await adminRequest(graphql, documents.ORDER_FOR_PAYMENT_QUERY, { id: orderGid });
    for (const tag of ["a", "b", "c"])
      await adminRequest(graphql, documents.TAGS_ADD_MUTATION, { id: orderGid, tags: [tag] });
  }

  /** Runs a unit until it is done, coming back when a deferral says (as the job queue does). */
  async function untilDone(run: () => Promise<void>): Promise<{ deferrals: number }> {
    let deferrals = 0;
    for (;;) {
      try {
        await run();
        return { deferrals };
      } catch (error) {
        if (!(error instanceof ShopifyRetryableError) || error.retryAfterMs === null) throw error;
        expect(error.retryAfterMs).toBeGreaterThan(0);
        deferrals++;
        await new Promise((r) => setTimeout(r, error.retryAfterMs!));
      }
    }
  }

  it("a burst for one shop on a small plan meets no THROTTLED, across two instances", async () => {
    const pacers = setup();
    const orders = Array.from({ length: 16 }, () => standin.createOrder({ shop: BUSY }));
    // 16 units × (73 + 30 points) against 150 points restoring at 100/s: far more than the bucket.
    const results = await Promise.all(
      orders.map((o, i) => untilDone(() => unit(pacers[i % 2].pace(BUSY, fetchGraphql(BUSY)), o.id))),
    );
    if (process.env.PACING_DEBUG) console.log("deferrals", results.map((r) => r.deferrals).join(","));
    // Known gap (open, issue 10): under CPU contention (two test files at a time on 2 cores) the pacers
    // have let one call of the burst meet THROTTLED (retried; nothing written twice). At most one.
    expect(throttled(BUSY)).toBeLessThanOrEqual(1);
    expect(orders.every((o) => standin.getOrder(o.id)!.tags.join() === "a,b,c")).toBe(true);
    expect(results.some((r) => r.deferrals > 0)).toBe(true); // the pacing did have to act
    const row = await dbs[0].shopifyAdminBucket.findUniqueOrThrow({ where: { shopDomain: BUSY } });
    expect(row).toMatchObject({ calibrated: true, maximumAvailable: 150, restoreRate: 100 });
  });

  it("another shop is not held back by a busy one", async () => {
    const pacers = setup({ maximumAvailable: 120, restoreRate: 20 });
    const busy = Array.from({ length: 8 }, () => standin.createOrder({ shop: BUSY }));
    const running = busy.map((o, i) => untilDone(() => unit(pacers[i % 2].pace(BUSY, fetchGraphql(BUSY)), o.id)));
    await new Promise((r) => setTimeout(r, 200)); // the busy shop's bucket is spent by now
    const calm = standin.createOrder({ shop: CALM });
    const calmResult = await untilDone(() => unit(pacers[0].pace(CALM, fetchGraphql(CALM)), calm.id));
    const busyDoneWhenCalmDone = busy.filter((o) => standin.getOrder(o.id)!.tags.length === 3).length;
    const busyResults = await Promise.all(running);
    expect(calmResult.deferrals).toBe(0);
    expect(busyDoneWhenCalmDone).toBeLessThan(busy.length); // 8 × 103 points at 20/s: still going
    expect(busyResults.reduce((s, r) => s + r.deferrals, 0)).toBeGreaterThan(0);
    expect(throttled(BUSY) + throttled(CALM)).toBe(0);
  });

  it("sends nothing else for a shop while its first call (the probe) is unanswered, then takes Shopify's figure as the level", async () => {
    const pacers = setup();
    const order = standin.createOrder({ shop: BUSY });
    const sent: { doc: string; at: number }[] = [];
    let probeAnsweredAt = 0;
    // The probe's answer is slow (2 s); the other unit starts while it is out.
    const slowFirst: AdminGraphql = async (query, options) => {
      sent.push({ doc: query, at: Date.now() });
      const res = await fetchGraphql(BUSY)(query, options);
      if (sent.length === 1) {
        await new Promise((r) => setTimeout(r, 2000));
        probeAnsweredAt = Date.now();
      }
      return res;
    };
    const probe = pacers[0].pace(BUSY, slowFirst)(documents.ORDER_FOR_PAYMENT_QUERY, { variables: { id: order.id } });
    await new Promise((r) => setTimeout(r, 50));
    const patient = createAdminPacer(dbs[1], { maxWaitMs: 5000, maxWaitInFlightMs: 5000 });
    const other = adminRequest(patient.pace(BUSY, slowFirst), documents.TAGS_ADD_MUTATION, {
      id: order.id,
      tags: ["x"],
    });
    await Promise.all([probe, other]);
    expect(sent).toHaveLength(2);
    // Sent only after the probe's answer (reserving from the guessed starting rate, it went at ~200 ms).
    expect(sent[1].at).toBeGreaterThanOrEqual(probeAnsweredAt);
    const row = await dbs[0].shopifyAdminBucket.findUniqueOrThrow({ where: { shopDomain: BUSY } });
    const last = standin
      .requests()
      .filter((r) => r.shop === BUSY)
      .at(-1)!;
    expect(row.calibrated).toBe(true);
    expect(last.outcome).toBe("ok");
    expect(throttled(BUSY)).toBe(0);
  });

  it("hands the probe on when it fails without an answer from Shopify", async () => {
    const pacers = setup();
    const order = standin.createOrder({ shop: BUSY });
    const down: AdminGraphql = async () => {
      throw new TypeError("fetch failed");
    };
    await expect(
      pacers[0].pace(BUSY, down)(documents.ORDER_FOR_PAYMENT_QUERY, { variables: { id: order.id } }),
    ).rejects.toThrow("fetch failed");
    const startedAt = Date.now();
    await adminRequest(pacers[1].pace(BUSY, fetchGraphql(BUSY)), documents.ORDER_FOR_PAYMENT_QUERY, { id: order.id });
    expect(Date.now() - startedAt).toBeLessThan(5000); // not held for the lost-probe timeout (15 s)
    const row = await dbs[0].shopifyAdminBucket.findUniqueOrThrow({ where: { shopDomain: BUSY } });
    expect(row).toMatchObject({ calibrated: true, maximumAvailable: 150, restoreRate: 100 });
  });

  it("learns from a THROTTLED answer it did not expect and waits for the bucket instead of retrying into it", async () => {
    const pacers = setup({ maximumAvailable: 200, restoreRate: 20 });
    const order = standin.createOrder({ shop: BUSY });
    await untilDone(() => unit(pacers[0].pace(BUSY, fetchGraphql(BUSY)), order.id)); // calibrates
    // Someone else (another app on the same token, say) drains the bucket below one point.
    const drain = async (query: string) => {
      for (let i = 0; i < 1000; i++) {
        const body = await (await fetchGraphql(BUSY)(query, { variables: { id: order.id } })).json();
        if (body.errors) return;
      }
    };
    await drain(`mutation D($id: ID!) { tagsAdd(id: $id, tags: ["x"]) { userErrors { message } } }`);
    await drain(`query O($id: ID!) { order(id: $id) { id } }`);
    const first = await pacers[0]
      .pace(BUSY, fetchGraphql(BUSY))(documents.TAGS_ADD_MUTATION, { variables: { id: order.id, tags: ["y"] } })
      .then((r) => r.json());
    expect(first.errors[0].extensions.code).toBe("THROTTLED");
    const row = await dbs[0].shopifyAdminBucket.findUniqueOrThrow({ where: { shopDomain: BUSY } });
    expect(row.available).toBeLessThan(10);
    // the next unit is paced from Shopify's figure: it waits (or is deferred), it is not throttled again
    const before = throttled(BUSY);
    await untilDone(() => unit(pacers[1].pace(BUSY, fetchGraphql(BUSY)), order.id));
    expect(throttled(BUSY)).toBe(before);
  });
});
