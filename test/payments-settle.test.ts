import { afterAll, describe, expect, it } from "vitest";
import { createPrismaClient } from "../app/db.server";
import { canRetry, messageFor, statusForResultCode } from "../app/modules/payments/attempt-status";
import { settleAttempt, type Evidence, type SettleDeps } from "../app/modules/payments/settle.server";
import { insertPendingAttempt } from "../app/modules/payments/attempts.server";

// The attempt state machine on the real database: one transition out of PENDING, replays change
// nothing, and verified money is never silently kept or dropped.

const db = createPrismaClient(process.env.DATABASE_URL);
afterAll(() => db.$disconnect());
const deps: SettleDeps = { db, now: () => new Date() };

let seq = 0;
async function pending(orderGid = `gid://shopify/Order/${++seq}`) {
  const { attempt } = await insertPendingAttempt(db, {
    shopDomain: "settle.myshopify.com",
    orderGid,
    orderName: "#1",
    amountKes: 1500,
    msisdn: "254712345678",
    environment: "sandbox",
    callbackTokenHash: `hash-${seq}-${Math.random()}`,
  });
  await db.paymentAttempt.update({ where: { id: attempt.id }, data: { checkoutRequestId: `ws_CO_${attempt.id}` } });
  return attempt;
}
const paid = (receipt: string, amount = 1500): Evidence => ({
  source: "callback",
  checkoutRequestId: null,
  resultCode: "0",
  resultDesc: "ok",
  amount,
  receipt,
});
const failed = (code: string): Evidence => ({
  source: "callback",
  checkoutRequestId: null,
  resultCode: code,
  resultDesc: "x",
});
const row = (id: string) => db.paymentAttempt.findUniqueOrThrow({ where: { id } });
const recordJobs = (id: string) => db.job.count({ where: { dedupeKey: `record:${id}` } });

describe("result codes", () => {
  it("maps codes to states, plain messages and retry advice (docs/DARAJA.md §6.2)", () => {
    expect(["0", "1032", "1037", "1019", "1", "2001", "SFC_IC0003"].map(statusForResultCode)).toEqual([
      "SUCCEEDED",
      "CANCELLED",
      "TIMED_OUT",
      "TIMED_OUT",
      "FAILED",
      "FAILED",
      "FAILED",
    ]);
    expect(messageFor({ status: "FAILED", resultCode: "1" })).toMatch(/balance/i);
    expect(messageFor({ status: "SUCCEEDED", mpesaReceipt: "ABC123XYZ0" })).toContain("ABC123XYZ0");
    expect(canRetry({ status: "CANCELLED" })).toBe(true);
    expect(canRetry({ status: "FAILED", resultCode: "2028" })).toBe(false);
    expect(canRetry({ status: "NEEDS_REVIEW" })).toBe(false);
  });
});

describe("settleAttempt", () => {
  it("a second live attempt for the same order is refused by the database (returns the first)", async () => {
    const a = await pending("gid://shopify/Order/live");
    const again = await insertPendingAttempt(db, {
      shopDomain: a.shopDomain,
      orderGid: a.orderGid,
      orderName: null,
      amountKes: 1500,
      msisdn: "254712345678",
      environment: "sandbox",
      callbackTokenHash: "another-hash",
    });
    expect(again).toMatchObject({ created: false, attempt: { id: a.id } });
  });

  it("success: one transition, one receipt row, one record job; replays change nothing", async () => {
    const a = await pending();
    expect(await settleAttempt(deps, a.id, paid("RCPT000001"), { status: "SUCCEEDED" })).toEqual({
      applied: true,
      status: "SUCCEEDED",
    });
    expect(await settleAttempt(deps, a.id, paid("RCPT000001"), { status: "SUCCEEDED" })).toMatchObject({
      applied: false,
    });
    expect(await settleAttempt(deps, a.id, failed("1032"), { status: "CANCELLED" })).toMatchObject({ applied: false });
    expect(await row(a.id)).toMatchObject({
      status: "SUCCEEDED",
      mpesaReceipt: "RCPT000001",
      liveKey: null,
      paidAmountKes: 1500,
    });
    expect(await db.mpesaReceipt.count({ where: { receipt: "RCPT000001" } })).toBe(1);
    expect(await recordJobs(a.id)).toBe(1);
  });

  it("a failure is terminal; a later verified success goes to review, never to paid", async () => {
    const a = await pending();
    await settleAttempt(deps, a.id, failed("1037"), { status: "TIMED_OUT" });
    expect(await settleAttempt(deps, a.id, failed("1032"), { status: "CANCELLED" })).toMatchObject({ applied: false });
    await settleAttempt(deps, a.id, paid("RCPT000002"), { status: "SUCCEEDED" });
    const r = await row(a.id);
    expect(r.status).toBe("NEEDS_REVIEW");
    expect(r.reviewCode).toBe("LATE_SUCCESS");
    expect(await recordJobs(a.id)).toBe(0);
    expect(await db.mpesaReceipt.count({ where: { receipt: "RCPT000002" } })).toBe(1);
  });

  it("a success after a 1037 on an order the retry already paid is a second payment to refund", async () => {
    const order = "gid://shopify/Order/timeout-then-retry";
    const first = await pending(order);
    await settleAttempt(deps, first.id, failed("1037"), { status: "TIMED_OUT" });
    const retry = await pending(order);
    await settleAttempt(deps, retry.id, paid("RCPT000012"), { status: "SUCCEEDED" });
    await settleAttempt(deps, first.id, paid("RCPT000013"), { status: "SUCCEEDED" });
    const r = await row(first.id);
    expect(r).toMatchObject({
      status: "NEEDS_REVIEW",
      reviewCode: "SECOND_PAYMENT_REFUND",
      mpesaReceipt: "RCPT000013",
    });
    expect(r.reviewDetail).toBe(
      "paid after M-PESA reported this prompt timed out, and the order was already paid by receipt RCPT000012; refund this payment",
    );
    expect(await recordJobs(first.id)).toBe(0);
    expect(await db.mpesaReceipt.count({ where: { receipt: "RCPT000013", attemptId: first.id } })).toBe(1);
  });

  it("paid per query without a receipt waits in review; the callback's receipt completes it", async () => {
    const a = await pending();
    await settleAttempt(
      deps,
      a.id,
      { ...failed("0"), source: "query" },
      {
        status: "NEEDS_REVIEW",
        reviewCode: "RECEIPT_UNKNOWN",
        reviewDetail: "paid per STK query",
        receiptTrusted: false,
      },
    );
    expect(await recordJobs(a.id)).toBe(0);
    await settleAttempt(deps, a.id, paid("RCPT000003"), { status: "SUCCEEDED" });
    expect(await row(a.id)).toMatchObject({
      status: "SUCCEEDED",
      mpesaReceipt: "RCPT000003",
      reviewCode: null,
      reviewDetail: null,
    });
    expect(await recordJobs(a.id)).toBe(1);
  });

  it("a second success on an order already paid is flagged for refund; a reused receipt goes to review", async () => {
    const first = await pending("gid://shopify/Order/twice");
    await settleAttempt(deps, first.id, paid("RCPT000004"), { status: "SUCCEEDED" });
    const second = await pending("gid://shopify/Order/twice");
    await settleAttempt(deps, second.id, paid("RCPT000005"), { status: "SUCCEEDED" });
    expect((await row(second.id)).reviewCode).toBe("SECOND_PAYMENT_REFUND");
    expect(await recordJobs(second.id)).toBe(0);

    const other = await pending();
    await settleAttempt(deps, other.id, paid("RCPT000004"), { status: "SUCCEEDED" });
    const r = await row(other.id);
    expect(r).toMatchObject({ status: "NEEDS_REVIEW", mpesaReceipt: null });
    expect(r.reviewCode).toBe("DUPLICATE_RECEIPT");
  });

  it("concurrent settlements of one attempt: exactly one applies", async () => {
    const a = await pending();
    const results = await Promise.all(
      Array.from({ length: 10 }, () => settleAttempt(deps, a.id, paid("RCPT000006"), { status: "SUCCEEDED" })),
    );
    expect(results.filter((r) => r.applied)).toHaveLength(1);
    expect(await recordJobs(a.id)).toBe(1);
  });
});
