import path from "node:path";
import { createRequestHandler, type ServerBuild } from "@remix-run/node";
import { beforeAll, describe, expect, it } from "vitest";
import prisma from "../app/db.server";
import { loader as listLoader } from "../app/routes/app.payments._index";
import { loader as detailLoader } from "../app/routes/app.payments.$id";
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
  it("lists the shop's attempts newest first, 25 a page, with counts per tab and no other shop's rows", async () => {
    const first = await list();
    expect(first.tabs).toEqual([
      { id: "all", label: "All", count: 34 },
      { id: "needs_review", label: "Needs review", count: 3 },
      { id: "paid", label: "Paid", count: 25 },
      { id: "pending", label: "Pending", count: 2 },
      { id: "unsuccessful", label: "Unsuccessful", count: 4 },
    ]);
    expect(first).toMatchObject({ tab: "all", page: 1, pageCount: 2, total: 34 });
    expect(first.rows).toHaveLength(25);
    expect(first.rows[0].id).toBe(ids.latest);
    const second = await list("?page=2");
    expect(second.rows).toHaveLength(9);
    const seen = [...first.rows, ...second.rows].map((r) => r.id);
    expect(new Set(seen).size).toBe(34);
    expect(seen).not.toContain(ids.foreign);
    const times = (await prisma.paymentAttempt.findMany({ where: { id: { in: seen } } })).reduce(
      (m, a) => m.set(a.id, a.createdAt.getTime()),
      new Map<string, number>(),
    );
    const ordered = seen.map((id) => times.get(id)!);
    expect(ordered).toEqual([...ordered].sort((a, b) => b - a));
  });

  it("filters by tab and explains each attempt that needs review", async () => {
    const review = await list("?status=needs_review");
    expect(review).toMatchObject({ tab: "needs_review", total: 3, pageCount: 1 });
    expect(review.rows.map((r) => r.id)).toEqual([ids.contradicts, ids.short, ids.second]);
    expect(review.rows.map((r) => r.reviewSummary)).toEqual([
      "Safaricom's status check says this was not paid",
      "The customer paid less than the order amount",
      "The order was already paid: this is a second payment",
    ]);
    expect(review.rows[0]).toMatchObject({ statusLabel: "Needs review", statusTone: "critical" });

    const unsuccessful = await list("?status=unsuccessful");
    expect(unsuccessful.rows.map((r) => r.status).sort()).toEqual(["CANCELLED", "CANCELLED", "FAILED", "TIMED_OUT"]);
    const pending = await list("?status=pending");
    expect(pending.rows.every((r) => r.status === "PENDING" && r.reviewSummary === null)).toBe(true);
    expect((await list("?status=paid")).rows.every((r) => r.status === "SUCCEEDED")).toBe(true);
  });

  it("shows the last page for a page past the end, and All for an unknown tab", async () => {
    expect(await list("?status=paid&page=9")).toMatchObject({ tab: "paid", page: 1, pageCount: 1 });
    const bogus = await list("?status=DROP&page=-3");
    expect(bogus).toMatchObject({ tab: "all", page: 1, total: 34 });
    expect((await list("?page=7")).rows).toHaveLength(9);
  });

  it("formats date (EAT), amount, masked phone, receipt and Shopify recording, and never sends a full phone number", async () => {
    const all = await list();
    const latest = all.rows[0];
    expect(latest).toMatchObject({
      createdAt: "29 Nov 2026, 14:05",
      amount: "KES 12,500",
      receipt: "LATEST1",
      recordedInShopify: false,
      statusLabel: "Paid",
      statusTone: "success",
    });
    expect(latest.phoneMasked).toMatch(/^2547\*{4}\d{4}$/);
    const paid = await list("?status=paid&page=1");
    const recorded = (await list("?page=2")).rows.find((r) => r.receipt === "RCPT0");
    expect(recorded?.recordedInShopify).toBe(true);
    const serialized = JSON.stringify([all, paid, await list("?page=2")]);
    for (const phone of allPhones) expect(serialized).not.toContain(phone);
    expect(serialized).not.toContain("token-hash");
  });

  it("shows an empty shop with zero counts and no rows", async () => {
    const empty = await list("", EMPTY);
    expect(empty.rows).toEqual([]);
    expect(empty.tabs.map((t) => t.count)).toEqual([0, 0, 0, 0, 0]);
    expect(empty).toMatchObject({ page: 1, pageCount: 1, total: 0 });
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
    expect(d.review?.reason).toBe("SECOND_PAYMENT_REFUND: order already paid by attempt abc; refund this payment");
    expect(fact(d, "CheckoutRequestID")).toBe("ws_CO_SECOND");
    expect(fact(d, "MerchantRequestID")).toBe("29115-1");
    expect(fact(d, "Result code")).toBe("0");
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
      error: "SECOND_PAYMENT_REFUND: order already paid",
    });
    const items = JSON.parse(processed!.body).Body.stkCallback.CallbackMetadata.Item;
    expect(items).toContainEqual({ Name: "PhoneNumber", Value: "2547****4149" });
    expect(items).toContainEqual({ Name: "TransactionDate", Value: 20261129140512 });
    expect(processed?.body).toContain('{\n  "Body": {'); // pretty-printed
    const rejected = d.callbacks.find((c) => c.status === "REJECTED");
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
    expect(page.status).toBe(200);
    for (const text of [
      "Needs review",
      "Unsuccessful",
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
