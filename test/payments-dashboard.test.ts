import path from "node:path";
import { createRequestHandler, type ServerBuild } from "@remix-run/node";
import { beforeAll, describe, expect, it } from "vitest";
import prisma from "../app/db.server";
import { loader as listLoader } from "../app/routes/app.payments._index";
import { loader as detailLoader } from "../app/routes/app.payments.$id";
import { loader as exportLoader } from "../app/routes/app.payments.export";
import { CSV_COLUMNS } from "../app/modules/payments/dashboard/export.server";
import Papa from "papaparse";
import { paymentCharts } from "../app/modules/payments/dashboard/charts.server";
import { loader as homeLoader } from "../app/routes/app._index";
import { formatEat, formatKes } from "../app/modules/payments/dashboard/format";
import { maskedCallbackBody } from "../app/modules/payments/dashboard/mask-callback.server";
import { reviewGuidance } from "../app/modules/payments/dashboard/review-guidance";
import { getPage, SHOP, storeSession } from "./settings.helpers";

// The merchant's Payments pages through the real route modules with a valid admin session, on this
// file's own database. Data is seeded once and only read (the suite runs tests in random order).

const OTHER = "other-shop.myshopify.com";
const EMPTY = "empty-shop.myshopify.com";
const BASE = Date.UTC(2026, 10, 29, 8, 0); // 29 Nov 2026, 11:00 EAT
const PHONE_CALLBACK = "254708374149";
const HEADER_MARKER = "header-secret-marker";
let seq = 0;

const phoneOf = (i: number) => `2547${String(10_000_000 + i)}`; // 12 digits, distinct per attempt
const allPhones: string[] = [PHONE_CALLBACK];

async function seedAttempt(shop: string, data: { status: string; minutes: number; [k: string]: unknown }) {
  const i = seq++;
  const msisdn = phoneOf(i);
  allPhones.push(msisdn);
  const { minutes, ...rest } = data;
  return prisma.paymentAttempt.create({
    data: {
      shopDomain: shop,
      orderGid: `gid://shopify/Order/${1000 + i}`,
      orderName: `#${1000 + i}`,
      amountKes: 1000 + i,
      msisdn,
      environment: "sandbox",
      callbackTokenHash: `token-hash-${i}`,
      createdAt: new Date(BASE + minutes * 60_000),
      ...rest,
    },
  });
}

const stkBody = (checkoutRequestId: string, amount: number, phone = PHONE_CALLBACK) =>
  JSON.stringify({
    Body: {
      stkCallback: {
        MerchantRequestID: "29115-34620561-1",
        CheckoutRequestID: checkoutRequestId,
        ResultCode: 0,
        ResultDesc: "The service request is processed successfully.",
        CallbackMetadata: {
          Item: [
            { Name: "Amount", Value: amount },
            { Name: "MpesaReceiptNumber", Value: "NLJ7RT61SV" },
            { Name: "TransactionDate", Value: 20261129140512 },
            { Name: "PhoneNumber", Value: Number(phone) },
          ],
        },
      },
    },
  });

const ids: Record<string, string> = {};
const args = (request: Request, params: Record<string, string> = {}) => ({ request, params, context: {} });
const list = async (query = "", shop = SHOP) =>
  (await listLoader(args(await getPage(`/app/payments${query}`, shop)))).json();
const detail = async (id: string, shop = SHOP) =>
  (await detailLoader(args(await getPage(`/app/payments/${id}`, shop), { id }))).json();

beforeAll(async () => {
  await Promise.all([storeSession(SHOP), storeSession(OTHER), storeSession(EMPTY)]);
  // 24 paid (one already recorded in Shopify), 3 to review, 2 pending, 4 unsuccessful: 33 in all.
  for (let m = 0; m < 24; m++) {
    await seedAttempt(SHOP, {
      status: "SUCCEEDED",
      minutes: m,
      mpesaReceipt: `RCPT${m}`,
      recordedInShopifyAt: m === 0 ? new Date(BASE) : null,
    });
  }
  ids.second = (
    await seedAttempt(SHOP, {
      status: "NEEDS_REVIEW",
      minutes: 30,
      checkoutRequestId: "ws_CO_SECOND",
      merchantRequestId: "29115-1",
      resultCode: "0",
      resultDesc: "The service request is processed successfully.",
      mpesaReceipt: "NLJ7RT61SV",
      paidAmountKes: 1500,
      reviewCode: "SECOND_PAYMENT_REFUND",
      reviewDetail: "order already paid by attempt abc; refund this payment",
      completedAt: new Date(BASE + 31 * 60_000),
    })
  ).id;
  ids.short = (
    await seedAttempt(SHOP, {
      status: "NEEDS_REVIEW",
      minutes: 31,
      reviewCode: "AMOUNT_SHORT",
      reviewDetail: "paid KES 90, expected KES 100",
    })
  ).id;
  ids.contradicts = (
    await seedAttempt(SHOP, {
      status: "NEEDS_REVIEW",
      minutes: 32,
      reviewCode: "QUERY_CONTRADICTS",
      reviewDetail: "callback says paid, STK query says 1032 Request cancelled by user",
    })
  ).id;
  for (const [m, status] of [
    [40, "PENDING"],
    [41, "PENDING"],
    [42, "CANCELLED"],
    [43, "TIMED_OUT"],
    [44, "FAILED"],
    [45, "CANCELLED"],
  ] as const) {
    await seedAttempt(SHOP, { status, minutes: m });
  }
  ids.latest = (
    await seedAttempt(SHOP, { status: "SUCCEEDED", minutes: 185, amountKes: 12_500, mpesaReceipt: "LATEST1" })
  ).id;
  ids.foreign = (
    await seedAttempt(OTHER, {
      status: "NEEDS_REVIEW",
      minutes: 50,
      reviewCode: "LATE_SUCCESS",
      reviewDetail: "paid after CANCELLED",
    })
  ).id;

  // Order #1000 also has an earlier, cancelled prompt: one order, two payments.
  await prisma.paymentAttempt.create({
    data: {
      shopDomain: SHOP,
      orderGid: "gid://shopify/Order/1000",
      orderName: "#1000",
      amountKes: 1000,
      msisdn: phoneOf(0),
      environment: "sandbox",
      callbackTokenHash: "token-hash-1000-cancelled",
      status: "CANCELLED",
      resultCode: "1032",
      createdAt: new Date(BASE - 60_000),
    },
  });
  const c2b = (data: Record<string, unknown> & { receipt: string; transTime: Date; status: string }) =>
    prisma.c2bPayment.create({
      data: {
        shopDomain: SHOP,
        shortCode: "600000",
        transactionType: "Pay Bill",
        amountText: "0",
        billRefRaw: "",
        billRefKey: "",
        ...data,
      },
    });
  // 30 Nov 2026 00:30 EAT = 29 Nov 21:30 UTC: the newest payment, on the EAT day of the 30th.
  await c2b({
    receipt: "PAYBILL701",
    transTime: new Date(Date.UTC(2026, 10, 29, 21, 30)),
    status: "APPLIED",
    amountText: "700.00",
    amountKes: 700,
    billRefRaw: "2001",
    billRefKey: "2001",
    payerKind: "hashed",
    payer: "c0ffee",
    orderGid: "gid://shopify/Order/2001",
    orderName: "#2001",
    appliedKes: 700,
  });
  await c2b({
    receipt: "TILL301",
    transTime: new Date(BASE + 60 * 60_000),
    status: "UNMATCHED",
    transactionType: "Buy Goods",
    amountText: "300.00",
    amountKes: 300,
    billRefRaw: '=HYPERLINK("http://evil.example","click")',
    billRefKey: "HYPERLINK",
    reason: "UNKNOWN_REFERENCE",
  });

  const callback = (attemptId: string, body: string, extra: Record<string, unknown> = {}) =>
    prisma.callbackLog.create({
      data: {
        kind: "STK",
        path: "/daraja/stk/…",
        tokenHash: "callback-token-hash",
        sourceIp: "196.201.214.200",
        headers: JSON.stringify({ "x-marker": HEADER_MARKER }),
        body,
        attemptId,
        shopDomain: SHOP,
        ...extra,
      },
    });
  await callback(ids.second, stkBody("ws_CO_SECOND", 1500), {
    status: "PROCESSED",
    error: "SECOND_PAYMENT_REFUND: order already paid",
    receivedAt: new Date(BASE + 31 * 60_000),
  });
  // An oversized body cut at CALLBACK_MAX_BYTES is not JSON, and still names the phone.
  await callback(ids.second, `{"Body":{"stkCallback":{"PhoneNumber":${allPhones[25]},"Amount":1`, {
    status: "REJECTED",
    error: "body too large",
  });
}, 60_000);

describe("payments list through the route module", () => {
  it("lists one row per order, newest first, 25 orders a page, with the filtered set's totals and no other shop's rows", async () => {
    const first = await list();
    // 35 prompts (order #1000 has two) and 2 paybill/till payments; the unmatched till payment is its own row.
    expect(first.totals).toEqual({ payments: 37, orders: 36, receivedKes: 39_276, received: "KES 39,276" });
    expect(first).toMatchObject({ page: 1, pageCount: 2 });
    expect(first.rows).toHaveLength(25);
    expect(first.rows[0]).toMatchObject({ orderName: "#2001", statusLabel: "Paid", received: "KES 700" });
    expect(first.rows[0].payments[0]).toMatchObject({
      channel: "Paybill",
      receipt: "PAYBILL701",
      payer: "hidden by M-PESA",
    });
    const second = await list("?page=2");
    expect(second.rows).toHaveLength(11);
    const order1000 = second.rows.find((r) => r.orderName === "#1000")!;
    expect(order1000.payments.map((p) => p.statusLabel)).toEqual(["Paid", "Cancelled"]);
    expect(order1000.payments[1].reason).toBe("Cancelled by the customer");
    expect(order1000).toMatchObject({ statusLabel: "Paid", received: "KES 1,000" });
    const seen = [...first.rows, ...second.rows].flatMap((r) => r.payments.map((p) => p.id));
    expect(new Set(seen).size).toBe(37);
    expect(seen).not.toContain(ids.foreign);
    expect([...first.rows, ...second.rows].find((r) => r.key.startsWith("c2b:"))).toMatchObject({
      orderName: "No order",
      orderUrl: null,
    });
  });

  it("links each order into the Shopify admin", async () => {
    const row = (await list("?q=%231024")).rows[0];
    expect(row.orderUrl).toBe("shopify://admin/orders/1024");
  });

  it("filters by status, channel, search and EAT date range; totals follow the filters", async () => {
    const review = await list("?status=needs_review");
    expect(review.totals).toMatchObject({ payments: 4, orders: 4 });
    expect(review.rows.flatMap((r) => r.payments.map((p) => p.reason))).toEqual([
      "No order has this account number",
      "Safaricom's status check says this was not paid",
      "The customer paid less than the order amount",
      "The order was already paid: this is a second payment",
    ]);
    expect((await list("?status=unsuccessful")).totals).toMatchObject({ payments: 5, receivedKes: 0 });
    expect((await list("?status=paid,pending")).totals).toMatchObject({ payments: 28 });
    expect((await list("?channel=stk")).totals).toMatchObject({ payments: 35 });
    expect((await list("?channel=paybill")).totals).toMatchObject({ payments: 1, receivedKes: 700 });
    expect((await list("?channel=till")).rows[0].payments[0]).toMatchObject({
      channel: "Till (Buy Goods)",
      statusLabel: "Needs matching",
    });
    expect((await list("?channel=paybill,till&status=paid")).totals).toMatchObject({ payments: 1 });
    // Search: a receipt in any case, a phone as typed (07…), an order name, an amount with a comma.
    expect((await list("?q=rcpt5")).rows.map((r) => r.orderName)).toEqual(["#1005"]);
    expect((await list(`?q=0${phoneOf(3).slice(3)}`)).rows.map((r) => r.orderName)).toEqual(["#1003"]);
    expect((await list("?q=%231030")).rows.map((r) => r.orderName)).toEqual(["#1030"]);
    expect((await list("?q=12,500")).rows.map((r) => r.payments[0].receipt)).toEqual(["LATEST1"]);
    expect((await list("?q=100%25")).totals.payments).toBe(0); // LIKE wildcards are literal
    // 30 Nov 00:30 EAT is 29 Nov 21:30 UTC: it belongs to the EAT day of the 30th.
    expect((await list("?from=2026-11-30")).rows.map((r) => r.orderName)).toEqual(["#2001"]);
    expect((await list("?to=2026-11-29")).totals).toMatchObject({ payments: 36 });
    expect((await list("?from=2026-11-29&to=2026-11-29&channel=stk")).totals).toMatchObject({ payments: 35 });
    expect((await list("?from=2026-11-28&to=2026-11-28")).totals.payments).toBe(0);
  });

  it("shows the last page for a page past the end, and ignores filters it cannot read", async () => {
    expect(await list("?status=paid&page=9")).toMatchObject({ page: 2, pageCount: 2 });
    const bogus = await list("?status=DROP&channel=x&from=2026-02-30&page=-3");
    expect(bogus).toMatchObject({ page: 1, totals: { payments: 37 } });
    expect(bogus.filters).toMatchObject({ statuses: [], channels: [], from: "" });
    expect((await list("?page=7")).rows).toHaveLength(11);
  });

  it("formats date (EAT), amount, masked phone and receipt, and never sends a full phone number", async () => {
    const all = await list("?channel=stk");
    const latest = all.rows[0];
    expect(latest).toMatchObject({
      latestAt: "29 Nov 2026, 14:05",
      received: "KES 12,500",
      statusLabel: "Paid",
      statusTone: "success",
    });
    expect(latest.payments[0]).toMatchObject({
      amount: "KES 12,500",
      receipt: "LATEST1",
      url: `/app/payments/${ids.latest}`,
    });
    expect(latest.payments[0].payer).toMatch(/^2547\*{4}\d{4}$/);
    const serialized = JSON.stringify([all, await list("?page=2")]);
    for (const phone of allPhones) expect(serialized).not.toContain(phone);
    expect(serialized).not.toContain("token-hash");
    expect(serialized).not.toMatch(/RECEIPT_UNKNOWN|UNKNOWN_REFERENCE|SECOND_PAYMENT_REFUND|stk_push/);
  });

  it("shows an empty shop with zero totals and no rows", async () => {
    const empty = await list("", EMPTY);
    expect(empty.rows).toEqual([]);
    expect(empty).toMatchObject({
      page: 1,
      pageCount: 1,
      anyAtAll: false,
      totals: { payments: 0, orders: 0, receivedKes: 0 },
    });
  });

  it("counts attempts needing review on the home page", async () => {
    const home = async (shop: string) =>
      (await (await homeLoader(args(await getPage("/app", shop)))).json()).health.find((b) => b.id === "reviews")
        ?.title ?? null;
    expect(await home(SHOP)).toBe("3 payments need review");
    expect(await home(OTHER)).toBe("1 payment needs review");
    expect(await home(EMPTY)).toBe(null);
  });
});

describe("charts (server-side aggregation by EAT day)", () => {
  it("sums received shillings and payments per EAT day, and how prompts ended", async () => {
    const charts = await paymentCharts(prisma, SHOP, 7, new Date(Date.UTC(2026, 10, 30, 12)));
    expect(charts.daily.map((d) => d.day)).toEqual([
      "2026-11-24",
      "2026-11-25",
      "2026-11-26",
      "2026-11-27",
      "2026-11-28",
      "2026-11-29",
      "2026-11-30",
    ]);
    // 30 Nov 00:30 EAT (29 Nov UTC) counts on the 30th.
    expect(charts.daily.at(-1)).toEqual({ day: "2026-11-30", receivedKes: 700, payments: 1, stkKes: 0, c2bKes: 700 });
    expect(charts.daily.at(-2)).toEqual({
      day: "2026-11-29",
      receivedKes: 38_576,
      payments: 27,
      stkKes: 38_276,
      c2bKes: 300,
    });
    expect(charts.daily.slice(0, 5).every((d) => d.payments === 0)).toBe(true);
    expect(charts).toMatchObject({ prompts: 33, paidPrompts: 25, successRate: 76 });
    expect(charts.outcomes).toEqual([
      { label: "Paid", count: 25 },
      { label: "Cancelled by the customer", count: 3 },
      { label: "Needs review", count: 3 },
      { label: "Phone unreachable or prompt not answered in time", count: 1 },
      { label: "Request refused before reaching the phone", count: 1 },
    ]);
    const other = await paymentCharts(prisma, OTHER, 30, new Date(Date.UTC(2026, 10, 30, 12)));
    expect(other).toMatchObject({ prompts: 1, paidPrompts: 0, successRate: 0 });
    expect((await paymentCharts(prisma, EMPTY, 90)).successRate).toBeNull();
  });

  it("reads the period from the URL (7, 30 or 90 days; 30 otherwise)", async () => {
    expect((await list("?chartDays=7")).charts.daily).toHaveLength(7);
    expect((await list("?chartDays=365")).charts.daily).toHaveLength(30);
  });
});

describe("CSV export through the route module", () => {
  const exportCsv = async (query = "", shop = SHOP) => {
    const res = await exportLoader(args(await getPage(`/app/payments/export${query}`, shop)));
    expect(res.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    const text = await res.text();
    const parsed = Papa.parse<string[]>(text.replace(/^\uFEFF/, "").replace(/\r\n$/, ""));
    expect(text).not.toContain("\r\n\r\n");
    expect(parsed.errors).toEqual([]);
    return { res, text, header: parsed.data[0], rows: parsed.data.slice(1) };
  };

  it("has as many lines as the filtered set has payments, for every filter", async () => {
    for (const q of [
      "",
      "?status=needs_review",
      "?channel=paybill,till",
      "?q=rcpt1",
      "?from=2026-11-30",
      "?status=unsuccessful&channel=stk",
    ]) {
      const [{ rows }, view] = await Promise.all([exportCsv(q), list(q)]);
      expect(rows.length, q).toBe(view.totals.payments);
      expect(
        rows.reduce((n, r) => n + Number(r[6]), 0),
        q,
      ).toBe(view.totals.receivedKes);
    }
    const { res, header } = await exportCsv("?from=2026-11-30");
    expect(res.headers.get("Content-Disposition")).toMatch(
      /^attachment; filename="mpesa-payments-2026-11-30-to-\d{4}-\d{2}-\d{2}\.csv"$/,
    );
    expect(header).toEqual([...CSV_COLUMNS]);
    expect((await exportCsv("", EMPTY)).rows).toEqual([]);
  });

  it("writes plain words, masked phones, and defuses spreadsheet formulas", async () => {
    const { rows, text } = await exportCsv();
    const till = rows.find((r) => r[7] === "TILL301")!;
    expect(till.slice(1, 5)).toEqual(["Till (Buy Goods)", "", "Needs matching", "No order has this account number"]);
    expect(till[9]).toBe('\'=HYPERLINK("http://evil.example","click")');
    expect(rows.find((r) => r[7] === "LATEST1")).toEqual([
      "29 Nov 2026, 14:05:00",
      "M-PESA prompt",
      `#${1000 + 33}`,
      "Paid",
      "",
      "12500",
      "12500",
      "LATEST1",
      expect.stringMatching(/^2547\*{4}\d{4}$/),
      "",
      "No",
    ]);
    for (const phone of allPhones) expect(text).not.toContain(phone);
    expect(text).not.toMatch(/^[=+\-@]/m);
    expect(text).not.toContain(ids.foreign);
  });
});

describe("payment detail through the route module", () => {
  const fact = (d: { facts: { label: string; value: string }[] }, label: string) =>
    d.facts.find((f) => f.label === label)?.value;

  it("shows the attempt's facts and what to do about a second payment", async () => {
    const d = await detail(ids.second);
    expect(d).toMatchObject({
      id: ids.second,
      orderName: "#1024",
      orderId: "1024",
      status: "NEEDS_REVIEW",
      statusLabel: "Needs review",
    });
    expect(d.review?.code).toBe("SECOND_PAYMENT_REFUND");
    expect(d.review?.action).toContain("Refund this payment via M-PESA reversal or apply it to an order by hand");
    expect(d.review?.reason).toBe("order already paid by attempt abc; refund this payment");
    expect(fact(d, "Safaricom request ID (CheckoutRequestID)")).toBe("ws_CO_SECOND");
    expect(fact(d, "MerchantRequestID")).toBe("29115-1");
    expect(fact(d, "M-PESA's answer")).toBe("Paid (M-PESA code 0)");
    expect(fact(d, "M-PESA environment")).toBe("Daraja sandbox (test money)");
    // What does not apply is left out: no "Failed at —", no empty rows.
    expect(d.facts.map((f) => f.label)).not.toContain("Where it failed");
    expect(d.facts.every((f) => f.value && f.value !== "—")).toBe(true);
    expect(JSON.stringify(d)).not.toContain("SECOND_PAYMENT_REFUND:");
    expect(fact(d, "Amount expected")).toBe("KES 1,024");
    expect(fact(d, "Amount paid")).toBe("KES 1,500");
    expect(fact(d, "M-PESA receipt")).toBe("NLJ7RT61SV");
    expect(fact(d, "Started")).toBe("29 Nov 2026, 11:30");
    expect(fact(d, "Completed")).toBe("29 Nov 2026, 11:31");
    expect(fact(d, "Recorded in Shopify")).toBe("No");
  });

  it("gives each review reason its own guidance", async () => {
    expect((await detail(ids.short)).review?.action).toContain("collect the difference or refund");
    expect((await detail(ids.contradicts)).review?.action).toContain(
      "do not ship until you confirm the receipt in your M-PESA statement",
    );
    expect((await detail(ids.latest)).review).toBeNull();
    expect(reviewGuidance("LATE_SUCCESS").action).toContain("M-PESA reversal");
    // Rows migrated from before review codes whose reason named no known code.
    expect(reviewGuidance("UNCLASSIFIED").action).toContain("M-PESA statement");
    expect(reviewGuidance(null).action).toContain("M-PESA statement");
  });

  it("lists the stored callbacks with phone numbers masked, and no headers or token hashes", async () => {
    const d = await detail(ids.second);
    expect(d.callbackCount).toBe(2);
    const processed = d.callbacks.find((c) => c.status === "PROCESSED");
    expect(processed).toMatchObject({
      receivedAt: "29 Nov 2026, 11:31:00",
      sourceIp: "196.201.214.200",
      error: "Sent to review: The order was already paid: this is a second payment (order already paid)",
      statusLabel: "Processed",
      kindLabel: "Payment prompt result",
      canReplay: true,
      replayOf: null,
    });
    const items = JSON.parse(processed!.body).Body.stkCallback.CallbackMetadata.Item;
    expect(items).toContainEqual({ Name: "PhoneNumber", Value: "2547****4149" });
    expect(items).toContainEqual({ Name: "TransactionDate", Value: 20261129140512 });
    expect(processed?.body).toContain('{\n  "Body": {'); // pretty-printed
    const rejected = d.callbacks.find((c) => c.status === "REJECTED");
    // A body cut short is no complete payment result: it cannot be replayed.
    expect(rejected).toMatchObject({ statusLabel: "Rejected (not trusted)", canReplay: false });
    expect(rejected?.body).toMatch(/^\{"Body":\{"stkCallback":\{"PhoneNumber":2547\*{4}\d{4},"Amount":1$/);
    const serialized = JSON.stringify(d);
    for (const phone of allPhones) expect(serialized).not.toContain(phone);
    for (const hidden of ["token-hash", "callback-token-hash", HEADER_MARKER]) expect(serialized).not.toContain(hidden);
    expect((await detail(ids.short)).callbacks).toEqual([]);
  });

  it("answers 404 for another shop's attempt and for an unknown id", async () => {
    for (const [id, shop] of [
      [ids.foreign, SHOP],
      [ids.second, OTHER],
      ["no-such-attempt", SHOP],
    ]) {
      const thrown = await detail(id, shop).then(
        () => null,
        (e: unknown) => e,
      );
      expect(thrown).toBeInstanceOf(Response);
      expect((thrown as Response).status).toBe(404);
    }
    expect((await detail(ids.foreign, OTHER)).review?.code).toBe("LATE_SUCCESS");
  });
});

describe("dashboard formatting and masking", () => {
  it("formats EAT dates and whole shillings", () => {
    expect(formatEat(new Date("2026-09-30T21:59:59Z"))).toBe("1 Oct 2026, 00:59");
    expect(formatEat(new Date("2026-09-05T06:07:08Z"), { seconds: true })).toBe("5 Sep 2026, 09:07:08");
    expect(formatEat(null)).toBe("");
    expect([formatKes(0), formatKes(999), formatKes(1000), formatKes(1234567), formatKes(null)]).toEqual([
      "KES 0",
      "KES 999",
      "KES 1,000",
      "KES 1,234,567",
      "",
    ]);
  });

  it("masks Kenyan numbers anywhere and any value of a phone-named field", () => {
    const body = JSON.stringify({
      MSISDN: "0712345678",
      note: "from +254112345678 and 254712345678, id 92547123456789",
      Item: [
        { Name: "PhoneNumber", Value: "hashed-abc" },
        { Name: "Amount", Value: 254712345678 },
      ],
    });
    const masked = JSON.parse(maskedCallbackBody(body));
    expect(masked).toEqual({
      MSISDN: "0712****5678",
      note: "from 2541****5678 and 2547****5678, id 92547123456789", // the one phone rule masks "+254…" whole
      Item: [
        { Name: "PhoneNumber", Value: "****" },
        { Name: "Amount", Value: "2547****5678" },
      ],
    });
    expect(maskedCallbackBody("not json 254798765432")).toBe("not json 2547****5432");
  });
});

describe("rendered payments pages (built server, document requests)", () => {
  let handle: (request: Request) => Promise<Response>;
  beforeAll(async () => {
    // build/server is made by the test global setup (see settings.render.test.ts).
    const build = (await import(path.resolve(import.meta.dirname, "..", "build", "server", "index.js"))) as ServerBuild;
    handle = createRequestHandler(build, "production");
  });
  const html = async (p: string, shop = SHOP) => {
    const res = await handle(await getPage(p, shop));
    return { status: res.status, text: await res.text() };
  };

  it("renders the list with tabs, rows and pagination, and the empty state for a shop without payments", async () => {
    const page = await html("/app/payments?status=needs_review");
    expect(page.text).toContain("Polaris-IndexFilters"); // its search and tabs render after hydration (browser test)
    expect(page.status).toBe(200);
    for (const text of [
      "Needs review",
      "Not paid",
      "#1024",
      "The customer paid less than the order amount",
      "Page 1 of 1",
    ]) {
      expect(page.text).toContain(text);
    }
    for (const phone of allPhones) expect(page.text).not.toContain(phone);
    const empty = await html("/app/payments", EMPTY);
    expect(empty.status).toBe(200);
    expect(empty.text).toContain("No M-PESA payments yet");
  });

  it("renders the detail with guidance and masked callbacks, and 404 for another shop's attempt", async () => {
    const page = await html(`/app/payments/${ids.second}`);
    expect(page.status).toBe(200);
    for (const text of ["ws_CO_SECOND", "M-PESA reversal", "2547****4149", "196.201.214.200"])
      expect(page.text).toContain(text);
    for (const phone of allPhones) expect(page.text).not.toContain(phone);
    expect((await html(`/app/payments/${ids.foreign}`)).status).toBe(404);
  });
});
