import fs from "node:fs";
import path from "node:path";
import { parse } from "smol-toml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PrismaClient } from "@prisma/client";
import { createPrismaClient } from "../app/db.server";
import { fireFlowTrigger } from "../app/modules/flow/fire.server";
import { FIRE_FLOW_TRIGGER } from "../app/modules/flow/job-types";
import {
  FLOW_TRIGGERS,
  FLOW_TRIGGER_HANDLES,
  needsReviewPayload,
  paymentReceivedPayload,
} from "../app/modules/flow/triggers";
import { settleAttempt } from "../app/modules/payments/settle.server";
import { recordPaymentInShopify } from "../app/modules/payments/record-in-shopify.server";
import { FLOW_TRIGGER_RECEIVE_MUTATION } from "../app/modules/shopify/documents";
import { ShopifyFinalError, ShopifyRetryableError } from "../app/modules/shopify/errors";
import { startShopifyStandin, type ShopifyStandin } from "../shopify-standin";
import { checkFlowTrigger, loadFlowTriggers } from "../shopify-standin/flow";
import { assertValidAdminDocument } from "./support/admin-schema";

// The Shopify Flow triggers "M-PESA payment received" and "M-PESA payment needs review": the
// extensions' TOML against the payloads the app builds, the Admin document, the stand-in's checks
// (Shopify refuses a wrong handle, a missing or unknown key, a value of the wrong type), and the job
// enqueued in the transaction of the state change. End to end through the built app:
// flow-triggers.e2e.test.ts.

const ROOT = path.resolve(__dirname, "..");
const SHOP = "flow-shop.myshopify.com";
const TOKEN = "shpat_flow";

let standin: ShopifyStandin;
let db: PrismaClient;
beforeAll(async () => {
  standin = await startShopifyStandin();
  standin.registerShop(SHOP, TOKEN);
  db = createPrismaClient(process.env.DATABASE_URL);
});
afterAll(async () => {
  await standin?.close();
  await db?.$disconnect();
});

/** admin.graphql against the stand-in, as the app's offline session sends it. */
const deps = {
  adminGraphql: async (shop: string) => async (query: string, options?: { variables?: Record<string, unknown> }) =>
    fetch(`${standin.url}/${shop}/admin/api/2026-07/graphql.json`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Shopify-Access-Token": TOKEN },
      body: JSON.stringify({ query, variables: options?.variables ?? {} }),
    }),
};

function tomlOf(dir: string) {
  return parse(fs.readFileSync(path.join(ROOT, "extensions", dir, "shopify.extension.toml"), "utf8")) as {
    extensions: { name: string; type: string; handle: string; description?: string }[];
    settings: { fields: { type: string; key?: string }[] };
  };
}

describe("Flow trigger extensions", () => {
  const dirs = fs.readdirSync(path.join(ROOT, "extensions")).filter((d) => d.startsWith("flow-"));

  it("one extension per trigger the app fires, with Shopify's rules for handles, names and field types", () => {
    const handles = dirs.map((d) => tomlOf(d).extensions[0]!.handle).sort();
    expect(handles).toEqual([...FLOW_TRIGGER_HANDLES].sort());
    for (const dir of dirs) {
      const toml = tomlOf(dir);
      expect(toml.extensions).toHaveLength(1);
      const ext = toml.extensions[0]!;
      expect(ext.type).toBe("flow_trigger");
      expect(ext.handle).toMatch(/^[a-z0-9-]{1,30}$/);
      expect(ext.name).toBe(FLOW_TRIGGERS[ext.handle as keyof typeof FLOW_TRIGGERS].name);
      expect(ext.name).toMatch(/^M-PESA [a-z ]+$/); // object + past-tense verb, sentence case, no punctuation
      expect(ext.description).toBeTruthy();
      for (const field of toml.settings.fields) {
        // number_integer and multi_line_text_field are not allowed in triggers
        expect(["order_reference", "single_line_text_field", "number_decimal"]).toContain(field.type);
        if (field.type !== "order_reference") expect(field.key).toMatch(/^[A-Za-z ]+$/);
      }
    }
  });

  it("the app's field list is the TOML's (reference fields as <object>_id)", () => {
    for (const def of loadFlowTriggers(ROOT)) {
      const app = FLOW_TRIGGERS[def.handle as keyof typeof FLOW_TRIGGERS];
      expect(Object.entries(app.fields).map(([key, type]) => ({ key, type }))).toEqual(def.fields);
    }
  });

  it("the payloads the app builds use exactly those keys, with values of the right types", () => {
    const definitions = loadFlowTriggers(ROOT);
    const order = standin.createOrder({ shop: SHOP });
    const orderExists = (id: number) => id === order.legacyResourceId;
    const received = paymentReceivedPayload({
      orderGid: order.id,
      receipt: "QK12ABC345",
      amountKes: 1500,
      channel: "STK",
      phoneMasked: "2547****5678",
    })!;
    expect(received).toEqual({
      order_id: order.legacyResourceId,
      "Receipt number": "QK12ABC345",
      Amount: 1500,
      Channel: "Payment prompt",
      Phone: "2547****5678",
    });
    expect(checkFlowTrigger(definitions, "mpesa-payment-received", received, orderExists)).toEqual([]);
    const review = needsReviewPayload({
      orderGid: order.id,
      receipt: null,
      amountKes: 900,
      reviewCode: "AMOUNT_SHORT",
      reason: "The customer paid\nless than the order amount",
    })!;
    expect(review).toMatchObject({
      "Receipt number": "",
      "Review reason": "The customer paid less than the order amount",
    });
    expect(checkFlowTrigger(definitions, "mpesa-payment-needs-review", review, orderExists)).toEqual([]);
    expect(
      paymentReceivedPayload({
        orderGid: "not-an-order",
        receipt: "X",
        amountKes: 1,
        channel: "C2B",
        phoneMasked: null,
      }),
    ).toBeNull();
  });

  it("flowTriggerReceive is valid against the Admin schema", () => {
    assertValidAdminDocument(FLOW_TRIGGER_RECEIVE_MUTATION, "FLOW_TRIGGER_RECEIVE_MUTATION");
  });
});

describe("firing a trigger (the fire-flow-trigger job) against the stand-in", () => {
  const payloadFor = (orderGid: string) =>
    paymentReceivedPayload({ orderGid, receipt: "QK99XYZ000", amountKes: 700, channel: "C2B", phoneMasked: null })!;

  it("an accepted trigger is recorded by the stand-in, visible on its control API", async () => {
    const order = standin.createOrder({ shop: SHOP });
    await fireFlowTrigger(deps, { shop: SHOP, handle: "mpesa-payment-received", payload: payloadFor(order.id) });
    const res = await fetch(`${standin.url}/__standin/flow-triggers?shop=${SHOP}`);
    const { definitions, received } = (await res.json()) as { definitions: unknown[]; received: any[] };
    expect(definitions).toHaveLength(2);
    expect(received.at(-1)).toMatchObject({
      shop: SHOP,
      handle: "mpesa-payment-received",
      payload: {
        order_id: order.legacyResourceId,
        "Receipt number": "QK99XYZ000",
        Amount: 700,
        Channel: "Paybill or till",
      },
    });
    expect(standin.mutations("FlowTriggerReceive").length).toBeGreaterThan(0);
  });

  it("malformed payloads are refused like Shopify (userErrors): the job dead-letters, nothing recorded", async () => {
    const order = standin.createOrder({ shop: SHOP });
    const good = payloadFor(order.id);
    const { Amount: _amount, ...missing } = good;
    const cases: [string, Record<string, string | number>, RegExp][] = [
      ["mpesa-payment-paid", good, /Invalid handle/],
      ["mpesa-payment-received", missing, /Missing field "Amount"/],
      ["mpesa-payment-received", { ...good, Extra: "x" }, /Unknown field "Extra"/],
      ["mpesa-payment-received", { ...good, Amount: "700" }, /"Amount" must be a decimal number/],
      ["mpesa-payment-received", { ...good, order_id: String(order.legacyResourceId) }, /numeric id/],
      ["mpesa-payment-received", { ...good, order_id: 123 }, /does not reference an order of this shop/],
      ["mpesa-payment-received", { ...good, "Receipt number": "A\nB" }, /single line/],
      ["mpesa-payment-received", { ...good, Phone: "x".repeat(60_000) }, /maximum size/],
    ];
    const before = standin.flowTriggers(SHOP).length;
    for (const [handle, payload, message] of cases) {
      const error = await fireFlowTrigger(deps, { shop: SHOP, handle: handle as any, payload }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error, `${handle} ${JSON.stringify(payload).slice(0, 80)}`).toBeInstanceOf(ShopifyFinalError);
      expect((error as Error).message).toMatch(message);
    }
    expect(standin.flowTriggers(SHOP).length).toBe(before);
    // Another shop's order cannot be referenced either.
    const other = "flow-other.myshopify.com";
    standin.registerShop(other, TOKEN);
    await expect(
      fireFlowTrigger(deps, { shop: other, handle: "mpesa-payment-received", payload: good }),
    ).rejects.toThrow(/does not reference an order/);
  });

  it("Shopify down is retryable (the job queue retries it)", async () => {
    const order = standin.createOrder({ shop: SHOP });
    standin.addFault({ type: "503", count: 1, operationName: "FlowTriggerReceive" });
    await expect(
      fireFlowTrigger(deps, { shop: SHOP, handle: "mpesa-payment-received", payload: payloadFor(order.id) }),
    ).rejects.toBeInstanceOf(ShopifyRetryableError);
  });
});

describe("the trigger job is written with the state change", () => {
  async function pendingAttempt(orderGid: string) {
    return db.paymentAttempt.create({
      data: {
        shopDomain: SHOP,
        orderGid,
        orderName: "#1001",
        amountKes: 1500,
        msisdn: "254712345678",
        environment: "sandbox",
        callbackTokenHash: crypto.randomUUID(),
        checkoutRequestId: `ws_CO_${crypto.randomUUID()}`,
      },
    });
  }
  const flowJobs = () => db.job.findMany({ where: { type: FIRE_FLOW_TRIGGER.name } });

  it("an attempt sent to review enqueues 'needs review' once; a success enqueues no Flow job", async () => {
    const order = standin.createOrder({ shop: SHOP });
    const attempt = await pendingAttempt(order.id);
    const settleDeps = { db, now: () => new Date() };
    const evidence = {
      source: "callback" as const,
      checkoutRequestId: attempt.checkoutRequestId,
      resultCode: "0",
      resultDesc: "ok",
      amount: 900,
      receipt: "QKSHORT001",
    };
    const verdict = {
      status: "NEEDS_REVIEW" as const,
      reviewCode: "AMOUNT_SHORT" as const,
      reviewDetail: "paid 900 of 1500",
      receiptTrusted: true,
    };
    const before = (await flowJobs()).length;
    expect(await settleAttempt(settleDeps, attempt.id, evidence, verdict)).toEqual({
      applied: true,
      status: "NEEDS_REVIEW",
    });
    expect(await settleAttempt(settleDeps, attempt.id, evidence, verdict)).toMatchObject({ applied: false });
    const jobs = (await flowJobs()).filter((j) => j.dedupeKey?.includes(attempt.id));
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ shopDomain: SHOP, status: "QUEUED" });
    expect(JSON.parse(jobs[0]!.payload)).toEqual({
      shop: SHOP,
      handle: "mpesa-payment-needs-review",
      payload: {
        order_id: order.legacyResourceId,
        "Receipt number": "QKSHORT001",
        Amount: 900,
        "Review reason": "The customer paid less than the order amount",
        "Review code": "AMOUNT_SHORT",
      },
    });
    // The stored payload is what Shopify accepts.
    await fireFlowTrigger(deps, JSON.parse(jobs[0]!.payload));
    expect(standin.flowTriggers(SHOP).at(-1)).toMatchObject({ handle: "mpesa-payment-needs-review" });

    const paid = await pendingAttempt(standin.createOrder({ shop: SHOP }).id);
    await settleAttempt(
      settleDeps,
      paid.id,
      { ...evidence, amount: 1500, receipt: "QKPAID0001" },
      { status: "SUCCEEDED" },
    );
    expect((await flowJobs()).length).toBe(before + 1);
  });

  async function paidAttempt(shop: string, orderGid: string, receipt: string) {
    const attempt = await db.paymentAttempt.create({
      data: {
        shopDomain: shop,
        orderGid,
        orderName: "#1001",
        amountKes: 1500,
        msisdn: "254712345678",
        environment: "sandbox",
        callbackTokenHash: crypto.randomUUID(),
        status: "SUCCEEDED",
        mpesaReceipt: receipt,
        completedAt: new Date(),
      },
    });
    await db.mpesaReceipt.create({
      data: { receipt, shopDomain: shop, channel: "STK", attemptId: attempt.id, orderGid, amountKes: 1500 },
    });
    return attempt;
  }
  const recordDeps = () => ({
    db,
    now: () => new Date(),
    config: { recordClaimMs: 30_000 },
    adminGraphql: deps.adminGraphql,
    shopPaymentSettings: async () => ({
      environment: "sandbox" as const,
      paymentMethodName: "M-PESA",
      allowSandboxOnLiveStore: false,
    }),
  });

  it("recording the payment in Shopify enqueues 'payment received' once; re-runs add nothing", async () => {
    const order = standin.createOrder({ shop: SHOP });
    const attempt = await paidAttempt(SHOP, order.id, "QKRECV0001");
    await recordPaymentInShopify(recordDeps(), attempt.id);
    await recordPaymentInShopify(recordDeps(), attempt.id);
    expect(standin.getOrder(order.id)?.displayFinancialStatus).toBe("PAID");
    const jobs = await db.job.findMany({ where: { dedupeKey: "flow:mpesa-payment-received:QKRECV0001" } });
    expect(jobs).toHaveLength(1);
    expect(JSON.parse(jobs[0]!.payload).payload).toEqual({
      order_id: order.legacyResourceId,
      "Receipt number": "QKRECV0001",
      Amount: 1500,
      Channel: "Payment prompt",
      Phone: "2547****5678",
    });
  });

  it("sandbox money held for review on a live store enqueues 'needs review', not 'received'", async () => {
    const live = "flow-live.myshopify.com";
    standin.registerShop(live, TOKEN, { developmentStore: false });
    const order = standin.createOrder({ shop: live });
    const attempt = await paidAttempt(live, order.id, "QKLIVE0001");
    await recordPaymentInShopify(recordDeps(), attempt.id);
    expect((await db.paymentAttempt.findUniqueOrThrow({ where: { id: attempt.id } })).status).toBe("NEEDS_REVIEW");
    const jobs = await db.job.findMany({ where: { type: FIRE_FLOW_TRIGGER.name, shopDomain: live } });
    expect(jobs.map((j) => JSON.parse(j.payload).handle)).toEqual(["mpesa-payment-needs-review"]);
    expect(JSON.parse(jobs[0]!.payload).payload).toMatchObject({ "Review code": "SANDBOX_ON_LIVE_STORE" });
  });
});
