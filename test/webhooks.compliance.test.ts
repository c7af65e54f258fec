import { createHash } from "node:crypto";
import { Prisma } from "@prisma/client";
import { afterAll, describe, expect, it } from "vitest";
import prisma from "../app/db.server";
import { hashingKey } from "../app/lib/keys.server";
import { tokenCacheKey } from "../app/modules/daraja";
import { darajaBaseUrl, secretBoxFromEnv } from "../app/modules/settings/config.server";
import { accountSecretContext } from "../app/modules/settings/accounts.server";
import * as dataRequestsPage from "../app/routes/app.data-requests";
import * as customersDataRequest from "../app/routes/webhooks.customers.data_request";
import * as customersRedact from "../app/routes/webhooks.customers.redact";
import * as ordersCreate from "../app/routes/webhooks.orders.create";
import * as shopRedact from "../app/routes/webhooks.shop.redact";
import { getPage, storeSession } from "./settings.helpers";
import { deliver, orderPayload, webhookRequest } from "./support/webhooks";

// The three mandatory compliance webhooks, checked against a whole database dump: what must be gone
// is searched for in every column of every table.

afterAll(() => prisma.$disconnect());

async function dumpAllTables(): Promise<string> {
  const lines: string[] = [];
  for (const model of Prisma.dmmf.datamodel.models) {
    const delegate = (prisma as unknown as Record<string, { findMany(): Promise<unknown[]> }>)[
      model.name[0].toLowerCase() + model.name.slice(1)
    ];
    const rows = await delegate.findMany();
    lines.push(`${model.name}: ${JSON.stringify(rows, (_k, v) => (typeof v === "bigint" ? String(v) : v))}`);
  }
  return lines.join("\n");
}

let seq = 0;

/** A shop with one customer who has two M-PESA orders, attempts, callbacks, a job, a receipt. */
async function seedShop() {
  const n = ++seq;
  const shop = `compliance-${n}.myshopify.com`;
  const national = `7${String(10_000_000 + n * 1_111_111).slice(0, 8)}`; // 9 digits, distinct per shop
  const phone = `254${national}`;
  const email = `buyer${n}@example.com`;
  const customer = { id: 8_000_000_000 + n, email, phone: `+${phone}` };
  const receipt = `TK${n}RCPT${n}X`;
  const consumerKey = `consumer-key-of-shop-${n}`;
  const consumerSecret = `consumer-secret-of-shop-${n}`;
  const tokenKey = tokenCacheKey({ baseUrl: darajaBaseUrl("sandbox"), consumerKey, consumerSecret }, hashingKey());

  await prisma.shop.create({ data: { domain: shop } });
  await prisma.setupEvidence.create({ data: { shopDomain: shop, firstExtensionPath: "/api/pay/status" } });
  await prisma.session.create({ data: { id: `offline_${shop}`, shop, state: "", accessToken: `tok-${n}` } });
  await prisma.shopSettings.create({ data: { shopDomain: shop } });
  const accountId = `acct-of-shop-${n}`;
  await prisma.mpesaAccount.create({
    data: {
      id: accountId,
      shopDomain: shop,
      defaultForShop: shop,
      environment: "sandbox",
      kind: "paybill",
      businessShortCode: "174379",
      consumerKey,
      consumerSecretEnc: secretBoxFromEnv().seal(
        consumerSecret,
        accountSecretContext(shop, accountId, "consumerSecret"),
      ),
      passkeyEnc: "sealed",
    },
  });
  await prisma.darajaToken.create({ data: { cacheKey: tokenKey, token: "t", expiresAt: new Date() } });
  await prisma.rateLimiterFlexible.create({ data: { key: `stk:shop:${shop}`, points: 1 } });

  // Order 1 arrives through orders/create (linked to the customer); order 2 was recorded by the extension only.
  const order1 = orderPayload({
    email,
    phone: `+${phone}`,
    billing_address: { phone: `0${national}` },
    customer: { id: customer.id, admin_graphql_api_id: `gid://shopify/Customer/${customer.id}` },
  });
  expect((await deliver(ordersCreate, webhookRequest("orders/create", order1, { shop }))).status).toBe(200);
  const order2 = orderPayload();
  await prisma.mpesaOrder.create({
    data: {
      shopDomain: shop,
      orderGid: order2.admin_graphql_api_id,
      orderName: order2.name,
      currency: "KES",
      phone: `0${national}`,
    },
  });

  const paid = await prisma.paymentAttempt.create({
    data: {
      shopDomain: shop,
      orderGid: order1.admin_graphql_api_id,
      orderName: order1.name,
      amountKes: 1500,
      msisdn: phone,
      environment: "sandbox",
      status: "SUCCEEDED",
      callbackTokenHash: `hash-${n}-1`,
      checkoutRequestId: `ws_CO_${n}_1`,
      resultCode: "0",
      mpesaReceipt: receipt,
      paidAmountKes: 1500,
      completedAt: new Date(),
    },
  });
  const cancelled = await prisma.paymentAttempt.create({
    data: {
      shopDomain: shop,
      orderGid: order2.admin_graphql_api_id,
      amountKes: 900,
      msisdn: phone,
      environment: "sandbox",
      status: "CANCELLED",
      callbackTokenHash: `hash-${n}-2`,
      resultCode: "1032",
      resultDesc: "Request cancelled by user",
    },
  });
  await prisma.mpesaReceipt.create({
    data: { receipt, shopDomain: shop, channel: "STK", attemptId: paid.id, amountKes: 1500 },
  });
  await prisma.callbackLog.create({
    data: {
      kind: "STK",
      path: "/daraja/stk/token",
      tokenHash: `hash-${n}-1`,
      attemptId: paid.id,
      shopDomain: shop,
      headers: JSON.stringify({ "content-type": "application/json", "x-forwarded-for": "196.201.214.200" }),
      body: `{"Body":{"stkCallback":{"MerchantRequestID":"29115-34620561-1","CheckoutRequestID":"ws_CO_${n}_1","ResultCode":0,"ResultDesc":"The service request is processed successfully.","CallbackMetadata":{"Item":[{"Name":"Amount","Value":1500.00},{"Name":"MpesaReceiptNumber","Value":"${receipt}"},{"Name":"TransactionDate","Value":20261129102115},{"Name":"PhoneNumber","Value":${phone}}]}}}}`,
    },
  });
  // A C2B confirmation nobody could attribute yet: found by the phone it carries.
  await prisma.callbackLog.create({
    data: {
      kind: "C2B_CONFIRMATION",
      path: "/daraja/c2b/confirmation",
      headers: "{}",
      body: JSON.stringify({
        TransID: `TX${n}C2B`,
        TransAmount: "250.00",
        BillRefNumber: order2.name,
        MSISDN: phone,
        FirstName: `Wanjiku${n}X`,
      }),
    },
  });
  // An imported statement naming the customer (masked number and name) on the paid receipt.
  const statementImport = await prisma.statementImport.create({
    data: { shopDomain: shop, fileName: "statement.csv", fileBytes: 1, fileSha256: "x", status: "IMPORTED" },
  });
  await prisma.statementRow.create({
    data: {
      shopDomain: shop,
      shortCode: "174379",
      receipt,
      kind: "credit",
      amountKes: 1500,
      completedAt: new Date(),
      details: `Pay Bill from ${phone.slice(0, 5)}****${phone.slice(-3)} - STMTNAME${n} **** DOE Acc. ${order1.name}`,
      otherPartyMsisdn: `${phone.slice(0, 5)}****${phone.slice(-3)}`,
      otherPartyName: `STMTNAME${n} DOE`,
      accountNo: order1.name,
      importId: statementImport.id,
    },
  });
  // Paybill payments (issue 11): one on the customer's order (v2, masked MSISDN, the payer's name) and
  // one from the customer's phone under a reference nobody matched (v1: SHA-256 of the MSISDN).
  const payerHash = createHash("sha256").update(phone).digest("hex");
  const c2bOnOrder = await prisma.callbackLog.create({
    data: {
      kind: "C2B_CONFIRMATION",
      path: "/daraja/c2b/:token/confirmation",
      shopDomain: shop,
      accountId,
      headers: "{}",
      status: "PROCESSED",
      body: JSON.stringify({
        TransID: `TM${n}C2BM`,
        TransAmount: "500.00",
        BillRefNumber: order1.name,
        MSISDN: `2547 ***** ${national.slice(-3)}`,
        FirstName: `Wanjiku${n}X`,
      }),
    },
  });
  await prisma.c2bPayment.create({
    data: {
      receipt: `TM${n}C2BM`,
      shopDomain: shop,
      accountId,
      shortCode: "174379",
      transactionType: "Pay Bill",
      amountText: "500.00",
      amountKes: 500,
      billRefRaw: order1.name,
      billRefKey: order1.name.replace(/\D/g, ""),
      payerKind: "masked",
      payer: `2547 ***** ${national.slice(-3)}`,
      payerName: `Wanjiku${n}X`,
      transTime: new Date(),
      status: "APPLIED",
      orderGid: order1.admin_graphql_api_id,
      callbackLogId: c2bOnOrder.id,
    },
  });
  await prisma.callbackLog.create({
    data: {
      kind: "C2B_VALIDATION",
      path: "/daraja/c2b/:token/validation",
      shopDomain: shop,
      accountId,
      headers: "{}",
      status: "PROCESSED",
      body: JSON.stringify({ TransID: `TH${n}C2BH`, TransAmount: "90", BillRefNumber: "UNKNOWN1", MSISDN: payerHash }),
    },
  });
  await prisma.c2bPayment.create({
    data: {
      receipt: `TH${n}C2BH`,
      shopDomain: shop,
      accountId,
      shortCode: "174379",
      transactionType: "Pay Bill",
      amountText: "90",
      amountKes: 90,
      billRefRaw: "UNKNOWN1",
      billRefKey: "UNKNOWN1",
      payerKind: "hashed",
      payer: payerHash,
      payerName: `Wanjiku${n}X`,
      transTime: new Date(),
      status: "UNMATCHED",
      reason: "UNKNOWN_REFERENCE",
    },
  });
  await prisma.job.create({
    data: {
      shopDomain: shop,
      type: "payments.recordInShopify",
      payload: JSON.stringify({ attemptId: paid.id, msisdn: phone }),
    },
  });

  return {
    n,
    shop,
    phone,
    national,
    email,
    customer,
    order1,
    order2,
    receipt,
    consumerKey,
    consumerSecret,
    tokenKey,
    payerHash,
    attempts: { paid, cancelled },
  };
}

type Seeded = Awaited<ReturnType<typeof seedShop>>;
const phoneForms = (s: Seeded) => [
  s.phone,
  `0${s.national}`,
  s.national,
  `${s.national.slice(0, 3)} ${s.national.slice(3, 6)} ${s.national.slice(6)}`,
];

function dataRequest(s: Seeded, ordersRequested: number[], webhookId?: string) {
  const payload = {
    shop_id: 1,
    shop_domain: s.shop,
    orders_requested: ordersRequested,
    customer: { id: s.customer.id, email: s.email, phone: s.customer.phone },
    data_request: { id: 9900 + seq },
  };
  return deliver(customersDataRequest, webhookRequest("customers/data_request", payload, { shop: s.shop, webhookId }));
}

function redactCustomer(s: Seeded, ordersToRedact: number[]) {
  const payload = {
    shop_id: 1,
    shop_domain: s.shop,
    customer: { id: s.customer.id, email: s.email, phone: s.customer.phone },
    orders_to_redact: ordersToRedact,
  };
  return deliver(customersRedact, webhookRequest("customers/redact", payload, { shop: s.shop }));
}

describe("customers/data_request", () => {
  it("stores a JSON report of the customer's orders, attempts and callbacks for the merchant", async () => {
    const s = await seedShop();
    const other = await seedShop();
    expect((await dataRequest(s, [s.order2.id])).status).toBe(200);

    const rows = await prisma.dataRequest.findMany({ where: { shopDomain: s.shop } });
    expect(rows).toHaveLength(1);
    expect(rows[0].customerId).toBe(`gid://shopify/Customer/${s.customer.id}`);
    const report = JSON.parse(rows[0].report);
    expect(report.dataRequestId).toBe(rows[0].requestId);
    expect(report.ordersRequested).toEqual([String(s.order2.id)]);
    expect(report.orders.map((o: { orderGid: string }) => o.orderGid).sort()).toEqual(
      [s.order1.admin_graphql_api_id, s.order2.admin_graphql_api_id].sort(),
    );
    expect(report.orders.find((o: { orderGid: string }) => o.orderGid === s.order1.admin_graphql_api_id)).toMatchObject(
      {
        name: s.order1.name,
        phone: `+${s.phone}`,
        email: s.email,
        outstandingKes: 1500,
        currency: "KES",
      },
    );
    const attempts = report.paymentAttempts.map((a: Record<string, unknown>) => [
      a.status,
      a.amountKes,
      a.mpesaReceipt,
      a.phone,
    ]);
    expect(attempts.sort()).toEqual(
      [
        ["CANCELLED", 900, null, s.phone],
        ["SUCCEEDED", 1500, s.receipt, s.phone],
      ].sort(),
    );
    expect(report.callbackCount).toBe(1);
    expect(rows[0].report).not.toContain(other.phone.slice(3));
    expect(rows[0].report).not.toContain(other.receipt);
  });

  it("answers a repeated delivery without a second report", async () => {
    const s = await seedShop();
    expect((await dataRequest(s, [], "dr-1")).status).toBe(200);
    expect((await dataRequest(s, [], "dr-1")).status).toBe(200);
    expect(await prisma.dataRequest.count({ where: { shopDomain: s.shop } })).toBe(1);
  });
});

describe("data requests page", () => {
  it("lists only this shop's reports, with their JSON", async () => {
    const s = await seedShop();
    const other = await seedShop();
    expect((await dataRequest(s, [])).status).toBe(200);
    expect((await dataRequest(other, [])).status).toBe(200);
    await storeSession(s.shop);

    const response = await dataRequestsPage.loader({
      request: await getPage("/app/data-requests", s.shop),
      params: {},
      context: {},
    });
    const { requests } = await response.json();
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({
      customerId: `gid://shopify/Customer/${s.customer.id}`,
      orders: 1,
      paymentAttempts: 1,
    });
    expect(JSON.parse(requests[0].json).paymentAttempts[0]).toMatchObject({ mpesaReceipt: s.receipt, amountKes: 1500 });
  });
});

describe("customers/redact", () => {
  it("leaves none of the customer's personal data in any table, and keeps the payment records", async () => {
    const s = await seedShop();
    const other = await seedShop();
    expect((await dataRequest(s, [])).status).toBe(200);
    const before = await dumpAllTables();
    for (const form of [...phoneForms(s), s.email]) expect(before).toContain(form.includes(" ") ? s.national : form);

    expect((await redactCustomer(s, [s.order2.id])).status).toBe(200);

    const after = await dumpAllTables();
    for (const form of [...phoneForms(s), s.email, `Wanjiku${s.n}X`, `STMTNAME${s.n}`])
      expect(after).not.toContain(form);
    expect(after).not.toContain(`${s.phone.slice(0, 5)}****${s.phone.slice(-3)}`);
    // The statement row stays as the financial record: receipt, amount, account typed.
    expect(await prisma.statementRow.findFirstOrThrow({ where: { shopDomain: s.shop } })).toMatchObject({
      receipt: s.receipt,
      amountKes: 1500,
      otherPartyMsisdn: null,
      otherPartyName: null,
      details: `Pay Bill from [redacted] Acc. ${s.order1.name}`,
    });
    for (const form of [...phoneForms(s), s.email, `Wanjiku${s.n}X`, s.payerHash, `***** ${s.national.slice(-3)}`])
      expect(after).not.toContain(form);
    // Paybill payments keep their facts, lose the payer.
    const c2b = await prisma.c2bPayment.findMany({ where: { shopDomain: s.shop }, orderBy: { amountKes: "asc" } });
    expect(c2b.map((p) => [p.amountKes, p.status, p.payer, p.payerName])).toEqual([
      [90, "UNMATCHED", null, null],
      [500, "APPLIED", null, null],
    ]);
    expect(
      JSON.parse((await prisma.callbackLog.findFirstOrThrow({ where: { body: { contains: `TM${s.n}C2BM` } } })).body),
    ).toMatchObject({
      TransAmount: "500.00",
      MSISDN: "[redacted]",
    });
    // Payment facts stay: amounts, receipts, statuses, and the callback's non-personal content.
    const attempts = await prisma.paymentAttempt.findMany({
      where: { shopDomain: s.shop },
      orderBy: { amountKes: "asc" },
    });
    expect(attempts.map((a) => [a.amountKes, a.status, a.mpesaReceipt, a.msisdn])).toEqual([
      [900, "CANCELLED", null, null],
      [1500, "SUCCEEDED", s.receipt, null],
    ]);
    expect(await prisma.mpesaReceipt.count({ where: { receipt: s.receipt } })).toBe(1);
    const log = await prisma.callbackLog.findFirstOrThrow({ where: { attemptId: s.attempts.paid.id } });
    const items = JSON.parse(log.body).Body.stkCallback.CallbackMetadata.Item;
    expect(items).toEqual([
      { Name: "Amount", Value: 1500 },
      { Name: "MpesaReceiptNumber", Value: s.receipt },
      { Name: "TransactionDate", Value: 20261129102115 },
      { Name: "PhoneNumber", Value: "[redacted]" },
    ]);
    expect(await prisma.dataRequest.count({ where: { shopDomain: s.shop } })).toBe(0);
    const orders = await prisma.mpesaOrder.findMany({ where: { shopDomain: s.shop } });
    expect(orders.map((o) => [o.orderGid, o.phone, o.email, o.customerId]).sort()).toEqual(
      [
        [s.order1.admin_graphql_api_id, null, null, null],
        [s.order2.admin_graphql_api_id, null, null, null],
      ].sort(),
    );
    expect(orders.find((o) => o.orderGid === s.order1.admin_graphql_api_id)).toMatchObject({
      outstandingKes: 1500,
      orderName: s.order1.name,
    });
    // Another customer (here: another shop's) keeps everything.
    expect(after).toContain(other.phone);
    expect(after).toContain(other.email);
  });
});

describe("L5: customers/redact follows the phone, not only the orders", () => {
  it("L5: customers/redact erases the customer's phone from attempts that paid another customer's order", async () => {
    const s = await seedShop();
    const friends = orderPayload(); // not the customer's order: they paid it from their phone
    await prisma.mpesaOrder.create({
      data: { shopDomain: s.shop, orderGid: friends.admin_graphql_api_id, currency: "KES" },
    });
    const forFriend = await prisma.paymentAttempt.create({
      data: {
        shopDomain: s.shop,
        orderGid: friends.admin_graphql_api_id,
        amountKes: 700,
        msisdn: s.phone,
        environment: "sandbox",
        status: "SUCCEEDED",
        callbackTokenHash: `hash-${s.n}-friend`,
        resultCode: "0",
        mpesaReceipt: `TF${s.n}FRIEND`,
      },
    });
    await prisma.callbackLog.create({
      data: {
        kind: "STK",
        path: "/daraja/stk/token",
        tokenHash: `hash-${s.n}-friend`,
        attemptId: forFriend.id,
        shopDomain: s.shop,
        headers: "{}",
        body: JSON.stringify({
          Body: { stkCallback: { CallbackMetadata: { Item: [{ Name: "PhoneNumber", Value: Number(s.phone) }] } } },
        }),
      },
    });
    expect((await redactCustomer(s, [])).status).toBe(200);
    const after = await prisma.paymentAttempt.findUniqueOrThrow({ where: { id: forFriend.id } });
    expect(after).toMatchObject({ msisdn: null, amountKes: 700, mpesaReceipt: `TF${s.n}FRIEND`, status: "SUCCEEDED" });
    const log = await prisma.callbackLog.findFirstOrThrow({ where: { attemptId: forFriend.id } });
    expect(log.body).not.toContain(s.national);
  });
});

describe("L5: shop/redact deletes by exact key", () => {
  it("L5: shop/redact keeps the rate-limit keys and Daraja token of a shop whose domain contains this one's", async () => {
    const s = await seedShop();
    const longer = `b${s.shop}`; // "bcompliance-N.myshopify.com" contains "compliance-N.myshopify.com"
    await prisma.rateLimiterFlexible.create({ data: { key: `stk:shop:${longer}`, points: 1 } });
    await prisma.rateLimiterFlexible.create({ data: { key: `stk:order:${longer}|gid://shopify/Order/1`, points: 1 } });
    await prisma.rateLimiterFlexible.create({ data: { key: `stk:order:${s.shop}|gid://shopify/Order/1`, points: 1 } });
    // Another tenant saved the same consumer key with its own secret: a different credential set.
    const theirs = tokenCacheKey(
      { baseUrl: darajaBaseUrl("sandbox"), consumerKey: s.consumerKey, consumerSecret: "theirs" },
      hashingKey(),
    );
    await prisma.darajaToken.create({ data: { cacheKey: theirs, token: "t", expiresAt: new Date() } });

    const response = await deliver(
      shopRedact,
      webhookRequest("shop/redact", { shop_id: 1, shop_domain: s.shop }, { shop: s.shop }),
    );
    expect(response.status).toBe(200);
    const keys = (await prisma.rateLimiterFlexible.findMany({ where: { key: { contains: s.shop } } }))
      .map((r) => r.key)
      .sort();
    expect(keys).toEqual([`stk:order:${longer}|gid://shopify/Order/1`, `stk:shop:${longer}`]);
    expect(await prisma.darajaToken.count({ where: { cacheKey: s.tokenKey } })).toBe(0);
    expect(await prisma.darajaToken.count({ where: { cacheKey: theirs } })).toBe(1);
  });
});

describe("shop/redact", () => {
  it("deletes everything stored for the shop, in every table, and nothing of other shops", async () => {
    const s = await seedShop();
    const other = await seedShop();
    expect((await dataRequest(s, [])).status).toBe(200);
    const response = await deliver(
      shopRedact,
      webhookRequest("shop/redact", { shop_id: 1, shop_domain: s.shop }, { shop: s.shop }),
    );
    expect(response.status).toBe(200);

    const after = await dumpAllTables();
    const traces = [
      s.shop,
      s.consumerKey,
      s.tokenKey,
      s.receipt,
      s.attempts.paid.id,
      s.attempts.cancelled.id,
      s.order1.admin_graphql_api_id,
      s.phone,
    ];
    for (const trace of traces) expect(after).not.toContain(trace);
    for (const kept of [
      other.shop,
      other.consumerKey,
      other.tokenKey,
      other.receipt,
      other.order1.admin_graphql_api_id,
    ])
      expect(after).toContain(kept);

    // Running it again (a new delivery) is harmless.
    const again = await deliver(
      shopRedact,
      webhookRequest("shop/redact", { shop_id: 1, shop_domain: s.shop }, { shop: s.shop }),
    );
    expect(again.status).toBe(200);
    expect(await dumpAllTables()).not.toContain(s.shop);
  });
});
