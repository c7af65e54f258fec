// npm run bench:pacing — per-shop Admin API pacing against the stand-in's real cost model, in process
// (no app server): a burst of "record a payment" units (the order read + three mutations, as the
// record job sends them) for one shop on a small plan, run by two pacers sharing one SQLite database
// (two instances), a deferred unit coming back when told (as the job queue does). Bounded: a fixed
// number of units and a time cap; loopback only. Prints THROTTLED answers, deferrals, and the points
// Shopify charged per second against the plan's restore rate (1.0 = as fast as the bucket allows).
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PrismaClient } from "@prisma/client";
import { PrismaLibSQL } from "@prisma/adapter-libsql";
import { createAdminPacer } from "../app/modules/shopify/admin-pacing.server";
import { adminRequest, type AdminGraphql } from "../app/modules/shopify/admin-request";
import { ORDER_FOR_PAYMENT_QUERY, TAGS_ADD_MUTATION } from "../app/modules/shopify/documents";
import { ShopifyRetryableError } from "../app/modules/shopify/errors";
import { startShopifyStandin } from "../shopify-standin";

const UNITS = Number(process.env.BENCH_UNITS ?? 40);
const PLAN = {
  maximumAvailable: Number(process.env.BENCH_BUCKET ?? 300),
  restoreRate: Number(process.env.BENCH_RESTORE ?? 100),
};
const TIME_CAP_MS = 120_000;
const SHOP = "bench-pacing.myshopify.com";

async function main() {
  const dir = mkdtempSync(path.join(tmpdir(), "pacing-bench-"));
  const url = `file:${path.join(dir, "bench.sqlite")}`;
  execFileSync(process.execPath, ["scripts/db.mjs", "migrate"], {
    env: { ...process.env, DATABASE_URL: url },
    stdio: "ignore",
  });
  // As app/db.server.ts opens SQLite (that module reads the app's whole environment).
  const open = () => {
    const db = new PrismaClient({ adapter: new PrismaLibSQL({ url }) });
    void db.$queryRawUnsafe("PRAGMA journal_mode = WAL").catch(() => {});
    void db.$queryRawUnsafe("PRAGMA busy_timeout = 10000").catch(() => {});
    return db;
  };
  const dbs = [open(), open()];
  const standin = await startShopifyStandin();
  try {
    standin.registerShop(SHOP, "t", { plan: PLAN });
    const graphql: AdminGraphql = (query, options) =>
      fetch(`${standin.url}/${SHOP}/admin/api/2026-07/graphql.json`, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-Shopify-Access-Token": "t" },
        body: JSON.stringify({ query, variables: options?.variables ?? {} }),
      });
    const pacers = dbs.map((db) => createAdminPacer(db, { maxWaitMs: 1000, maxWaitInFlightMs: 15_000 }));
    const orders = Array.from({ length: UNITS }, () => standin.createOrder({ shop: SHOP }));
    let deferrals = 0;
    const started = performance.now();
    await Promise.all(
      orders.map(async (order, i) => {
        while (performance.now() - started < TIME_CAP_MS) {
          try {
            const paced = pacers[i % 2].pace(SHOP, graphql);
            await adminRequest(paced, ORDER_FOR_PAYMENT_QUERY, { id: order.id });
            for (const tag of ["a", "b", "c"])
              await adminRequest(paced, TAGS_ADD_MUTATION, { id: order.id, tags: [tag] });
            return;
          } catch (error) {
            if (!(error instanceof ShopifyRetryableError) || error.retryAfterMs === null) throw error;
            deferrals++;
            if (process.env.BENCH_DEBUG)
              console.log(Math.round(performance.now() - started), i, error.retryAfterMs, error.message.slice(0, 60));
            await new Promise((r) => setTimeout(r, error.retryAfterMs!));
          }
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    if (process.env.BENCH_DEBUG) {
      const rs = standin.requests().filter((r) => r.shop === SHOP);
      rs.forEach(
        (r, k) =>
          r.outcome === "throttled" &&
          console.log(
            "throttled",
            k,
            r.operationName,
            r.at,
            JSON.stringify(rs.slice(Math.max(0, k - 3), k).map((x) => [x.operationName, x.at, x.cost])),
          ),
      );
    }
    const requests = standin.requests().filter((r) => r.shop === SHOP);
    const charged = requests.reduce((s, r) => s + (r.cost?.actual ?? 0), 0);
    // Points beyond the initial bucket had to be restored: that is the time the bucket forces.
    const boundSeconds = Math.max(0, charged - PLAN.maximumAvailable) / PLAN.restoreRate;
    const done = orders.filter((o) => standin.getOrder(o.id)?.tags.length === 3).length;
    console.log(
      `\nAdmin API pacing: ${UNITS} record units for one shop, plan ${PLAN.maximumAvailable} points / ${PLAN.restoreRate} per s, two instances\n`,
    );
    console.table([
      {
        "units done": `${done}/${UNITS}`,
        "THROTTLED answers": requests.filter((r) => r.outcome === "throttled").length,
        "Admin calls": requests.length,
        deferrals,
        "points charged": charged,
        seconds: Math.round(seconds * 10) / 10,
        "seconds the bucket forces": Math.round(boundSeconds * 10) / 10,
        "bucket-bound / taken": Math.round((boundSeconds / seconds) * 100) / 100,
      },
    ]);
  } finally {
    await standin.close();
    await Promise.all(dbs.map((db) => db.$disconnect()));
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
