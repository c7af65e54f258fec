import { setUpValidSession } from "@shopify/shopify-api/test-helpers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import prisma from "../app/db.server";
import { resetEnvForTests } from "../app/lib/env.server";
import { insertPendingAttempt } from "../app/modules/payments/attempts.server";
import type { RecordDeps } from "../app/modules/payments/record-in-shopify.server";
import { settleAttempt } from "../app/modules/payments/settle.server";
import { getShopPaymentSettings, secretBoxFromEnv } from "../app/modules/settings/config.server";
import { saveSettings } from "../app/modules/settings/repository.server";
import { withAdminTimeout } from "../app/modules/shopify/admin-timeout";
import { ShopifyTimeoutError } from "../app/modules/shopify/errors";
import { startShopifyStandin, type ShopifyStandin } from "../shopify-standin/index";

// Issue 9, M7: two runs of the record job that overlap (a lock that expired under a slow Admin API)
// must record a partial payment once. The smallest real unit: the record use case, twice at once,
// against the Shopify stand-in over real HTTP with latency, on this file's real database.

const SHOP = "record-overlap.myshopify.com";
let standin: ShopifyStandin;
let record: typeof import("../app/modules/payments/record-in-shopify.server").recordPaymentInShopify;
let deps: RecordDeps;
let getOrder: typeof import("../app/modules/shopify/orders.server").getOrderForPayment;
let adminFor: typeof import("../app/shopify-admin.server").adminGraphqlForShop;

beforeAll(async () => {
  standin = await startShopifyStandin();
  process.env.SHOPIFY_ADMIN_API_ORIGIN = standin.url;
  process.env.SHOPIFY_ADMIN_TIMEOUT_MS = "1500"; // far above the latency the overlap test adds
  resetEnvForTests();
  standin.registerShop(SHOP, "totally_real_token"); // the token setUpValidSession gives the session
  const { sessionStorage } = await import("../app/shopify.server");
  await sessionStorage.storeSession(setUpValidSession({ shop: SHOP, isOnline: false }));
  await saveSettings(prisma, secretBoxFromEnv(), SHOP, {
    environment: "production",
    shortcodeType: "paybill",
    businessShortCode: "174379",
    tillNumber: null,
    consumerKey: "emulator-consumer-key",
    paymentMethodName: "M-PESA",
    accountReferenceTemplate: "{order_number}",
    initiatorName: null,
    newSecrets: { consumerSecret: "emulator-consumer-secret", passkey: "a".repeat(64) },
  });
  ({ recordPaymentInShopify: record } = await import("../app/modules/payments/record-in-shopify.server"));
  ({ getOrderForPayment: getOrder } = await import("../app/modules/shopify/orders.server"));
  ({ adminGraphqlForShop: adminFor } = await import("../app/shopify-admin.server"));
  deps = {
    db: prisma,
    now: () => new Date(),
    shopPaymentSettings: (shop) => getShopPaymentSettings(prisma, shop),
    adminGraphql: adminFor, // the production path, time-limited by SHOPIFY_ADMIN_TIMEOUT_MS
    config: { recordClaimMs: 60_000 },
  };
});
afterAll(() => standin.close());

let seq = 0;
/** A SUCCEEDED attempt of `amountKes` with its receipt on the ledger (as a verified callback leaves it). */
async function paidAttempt(orderGid: string, amountKes: number, receipt: string) {
  const { attempt } = await insertPendingAttempt(prisma, {
    shopDomain: SHOP,
    orderGid,
    orderName: null,
    amountKes,
    msisdn: "254712345678",
    environment: "production",
    callbackTokenHash: `overlap-${++seq}`,
  });
  const evidence = {
    source: "callback" as const,
    checkoutRequestId: `ws_CO_overlap_${seq}`,
    resultCode: "0",
    resultDesc: "ok",
    amount: amountKes,
    receipt,
  };
  await settleAttempt(
    { db: prisma, now: () => new Date() },
    attempt.id,
    { ...evidence, transactionDate: new Date("2026-11-01T10:00:00Z") },
    { status: "SUCCEEDED" },
  );
  return attempt;
}
const sales = (orderGid: string) => (standin.getOrder(orderGid)?.transactions ?? []).filter((t) => t.kind === "SALE");

describe("M7: recording a payment in Shopify is idempotent on the receipt", () => {
  it("M7: two overlapping runs of the record job on a partial payment record it once (one manual payment)", async () => {
    const order = standin.createOrder({
      shop: SHOP,
      total: "1500.00",
      currencyCode: "KES",
      paymentGatewayNames: ["M-PESA"],
    } as any);
    const attempt = await paidAttempt(order.id, 700, "TSTOVRLP01");
    standin.setLatency(150); // both runs read the order before either writes
    const runs = await Promise.allSettled([record(deps, attempt.id), record(deps, attempt.id)]);
    standin.setLatency(0);
    expect(sales(order.id)).toHaveLength(1);
    expect(standin.mutations("OrderCreateManualPayment")).toHaveLength(1);
    // The run that found the receipt claimed is told to come back later (a plan, not a failure).
    const refused = runs.filter((r) => r.status === "rejected").map((r) => (r as PromiseRejectedResult).reason);
    expect(refused.map((e) => [e.name, e.kind])).toEqual([["RetryLaterError", "retryable"]]);
    // Its retry finds the receipt recorded and writes nothing.
    await record(deps, attempt.id);
    expect(sales(order.id)).toHaveLength(1);
    expect(
      standin
        .getOrder(order.id)
        ?.transactions.filter((t) => t.kind === "SALE")
        .map((t) => Number(t.amount)),
    ).toEqual([700]);
    const row = await prisma.paymentAttempt.findUniqueOrThrow({ where: { id: attempt.id } });
    expect(row.recordedInShopifyAt).not.toBeNull();
    expect(await prisma.mpesaReceipt.findUniqueOrThrow({ where: { receipt: "TSTOVRLP01" } })).toMatchObject({
      shopifyClaimToken: null,
    });
  });

  it("M7: a run whose claim lapsed re-checks the order's transactions and does not write the payment again", async () => {
    const order = standin.createOrder({
      shop: SHOP,
      total: "1500.00",
      currencyCode: "KES",
      paymentGatewayNames: ["M-PESA"],
    } as any);
    const attempt = await paidAttempt(order.id, 700, "TSTOVRLP02");
    await record(deps, attempt.id);
    // As if the first run's bookkeeping had been lost (crash after Shopify answered): only the order knows.
    await prisma.paymentAttempt.update({ where: { id: attempt.id }, data: { recordedInShopifyAt: null } });
    await prisma.mpesaReceipt.update({ where: { receipt: "TSTOVRLP02" }, data: { shopifyRecordedAt: null } });
    await record(deps, attempt.id);
    expect(sales(order.id)).toHaveLength(1);
  });

  it("M7: every Admin call has a time limit; a call that ran out of time is an unknown-outcome error", async () => {
    const order = standin.createOrder({ shop: SHOP, total: "1500.00" } as any);
    standin.setLatency(1000);
    try {
      const error = await getOrder(withAdminTimeout(await adminFor(SHOP), 100), order.id).then(
        () => expect.unreachable("expected a timeout"),
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ShopifyTimeoutError);
      expect(error).toMatchObject({ kind: "unknown-outcome" });
      // The production path (stored session -> admin.graphql) carries the SHOPIFY_ADMIN_TIMEOUT_MS limit itself.
      standin.setLatency(5000);
      await expect(getOrder(await adminFor(SHOP), order.id)).rejects.toBeInstanceOf(ShopifyTimeoutError);
    } finally {
      standin.setLatency(0);
    }
  });
});
