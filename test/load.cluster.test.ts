import { describe, expect, it } from "vitest";
import { runLoad } from "../bench/load/run";
import { ROOT, pgUrl } from "./support/databases";

// The load bench (npm run bench:load) at CI size: 10 shops, 200 payments over three instances of the
// built server on one PostgreSQL database behind Debian's nginx; 5 % of the payments get no
// callback (recovered by STK query: paid with the receipt pending, the receipt then found by Pull
// Transactions), 2 % of the callbacks arrive malformed, 20 % a second time at a
// different instance, one instance is SIGKILLed mid-run and restarted. Only the zeros are asserted
// (nothing lost, nothing recorded twice, no dead job), never a timing.
//
// A cluster needs PostgreSQL: vitest.config.ts includes *.cluster.test.ts files in the PostgreSQL run
// only (TEST_DATABASE_URL), which `npm test` and CI always make. The cluster creates its own database
// on that server.

describe("three instances behind nginx under load, one killed", () => {
  it("loses no payment, records none twice and leaves no dead job", { timeout: 300_000 }, async () => {
    const result = await runLoad({
      root: ROOT,
      instances: 3,
      shops: 10,
      payments: 200,
      concurrency: 24,
      pgUrl: pgUrl("postgres"),
      drainTimeoutMs: 150_000,
    });
    const summary = JSON.stringify({ ...result, classes: undefined }, null, 1);
    expect(result.drained, summary).toBe(true);
    expect(result.killed, summary).not.toBeNull();
    expect(result.paysAccepted, summary).toBe(200);
    expect(result.relay.duplicatesAcknowledged, summary).toBeGreaterThan(0);
    expect(result.lost, summary).toBe(0);
    expect(result.recordedTwice, summary).toBe(0);
    expect(result.jobsDead + result.callbacksDead, summary).toBe(0);
    // Every payment whose money moved is recorded in Shopify or flagged for review — once Pull
    // Transactions has run, even the push whose answer died with the killed instance and whose
    // callback never came (before it, such a payment is only counted apart).
    expect(result.pull?.runsDone, summary).toBe(10);
    expect(result.pull?.runsFailed, summary).toBe(0);
    expect(result.orphanedByCrash, summary).toBe(0);
    expect(result.receiptPending, summary).toBe(0);
    expect(result.recordedInShopify + result.toReview, summary).toBe(result.moneyMoved);
    // The pushes whose callback never came ended paid with the receipt pending; the pull found each receipt.
    expect(result.beforePull.receiptPending, summary).toBeGreaterThan(0);
    expect(result.pull!.receiptsAttached, summary).toBeGreaterThanOrEqual(result.beforePull.receiptPending);
  });
});
