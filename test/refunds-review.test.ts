import { beforeAll, describe, expect, it } from "vitest";
import type { ReviewCode } from "@prisma/client";
import prisma from "../app/db.server";
import { action, loader } from "../app/routes/app.payments.$id";
import * as refundRule from "../app/routes/app.refund-rule";
import { openReviewCount } from "../app/modules/refunds/review.server";
import { secretBoxFromEnv } from "../app/modules/settings/config.server";
import { saveSettings } from "../app/modules/settings/repository.server";
import { getPage, postForm, storeSession } from "./settings.helpers";

// Every review reason has its action (docs/REFUNDS.md), through the real /app/payments/:id route
// with a valid admin session: refund the payment, apply it to the order, or mark it handled outside
// the app — each once, with who and when; the open-review count drops only for what was resolved.

const SHOP = "review-actions.myshopify.com";
const MANUAL_SHOP = "review-manual.myshopify.com";
const OTHER = "review-other.myshopify.com";
const args = (request: Request, id: string) => ({ request, params: { id }, context: {} });
let n = 0;

async function reviewAttempt(shop: string, code: ReviewCode, opts: { receipt?: boolean; amountKes?: number } = {}) {
  const i = ++n;
  const amountKes = opts.amountKes ?? 1200;
  const receipt = opts.receipt === false ? null : `TRV${String(i).padStart(7, "0")}`;
  const attempt = await prisma.paymentAttempt.create({
    data: {
      shopDomain: shop,
      orderGid: `gid://shopify/Order/${8100 + i}`,
      orderName: `#${8100 + i}`,
      amountKes,
      msisdn: "254712345678",
      environment: "sandbox",
      status: "NEEDS_REVIEW",
      reviewCode: code,
      reviewDetail: `test ${code}`,
      mpesaReceipt: receipt,
      paidAmountKes: receipt ? amountKes : null,
      callbackTokenHash: `review-${i}`,
    },
  });
  if (receipt)
    await prisma.mpesaReceipt.create({
      data: { receipt, shopDomain: shop, channel: "STK", attemptId: attempt.id, orderGid: attempt.orderGid, amountKes },
    });
  return { attempt, receipt };
}

async function page(id: string, shop = SHOP) {
  const data = await (await loader(args(await getPage(`/app/payments/${id}`, shop), id))).json();
  if (!data.reviewPanel) throw new Error("no review panel");
  return { ...data, reviewPanel: data.reviewPanel };
}
async function pageStatus(id: string, shop: string) {
  try {
    await loader(args(await getPage(`/app/payments/${id}`, shop), id));
    return 200;
  } catch (thrown) {
    if (thrown instanceof Response) return thrown.status;
    throw thrown;
  }
}
const post = async (id: string, fields: Record<string, string>, shop = SHOP) => {
  const res = await action(args(await postForm(`/app/payments/${id}`, fields, shop), id));
  return { status: res.status, body: (await res.json()) as { ok: boolean; message?: string; error?: string } };
};

const settings = (initiator: boolean) => ({
  environment: "sandbox" as const,
  shortcodeType: "paybill" as const,
  businessShortCode: "174379",
  tillNumber: null,
  consumerKey: "ck",
  paymentMethodName: "M-PESA",
  accountReferenceTemplate: "{order_number}",
  initiatorName: initiator ? "apiop" : null,
  newSecrets: { consumerSecret: "cs", passkey: "pk", ...(initiator ? { initiatorPassword: "pw" } : {}) },
});

beforeAll(async () => {
  await Promise.all([storeSession(SHOP), storeSession(MANUAL_SHOP), storeSession(OTHER)]);
  await saveSettings(prisma, secretBoxFromEnv(), SHOP, settings(true));
  await saveSettings(prisma, secretBoxFromEnv(), MANUAL_SHOP, settings(false));
});

describe("review actions on the payment page", () => {
  it("refunds a second payment from its review: the whole receipt, sent at once, nothing for Shopify; once", async () => {
    const before = await openReviewCount(prisma, SHOP);
    const { attempt, receipt } = await reviewAttempt(SHOP, "SECOND_PAYMENT_REFUND");
    expect(await openReviewCount(prisma, SHOP)).toBe(before + 1);
    const shown = await page(attempt.id);
    expect(shown.reviewPanel).toMatchObject({ open: true, canRefund: true, canApply: false, refundableKes: 1200 });
    expect(shown.reviewPanel.applyBlocked).toBe("The order is already paid by another payment.");
    expect(shown.refunds?.reviewOpen).toBe(true);
    // The generic refund form is not the way while the review is open.
    const generic = await post(attempt.id, { intent: "refund", amount: "100", nonce: shown.refunds?.nonce ?? "" });
    expect(generic.status).toBe(400);
    // Apply is refused for a second payment of a paid order.
    expect((await post(attempt.id, { intent: "review-apply" })).status).toBe(400);

    const [first, second] = await Promise.all([
      post(attempt.id, { intent: "review-refund" }),
      post(attempt.id, { intent: "review-refund" }),
    ]);
    const oks = [first, second].filter((r) => r.body.ok);
    expect(oks).toHaveLength(1);
    expect(oks[0].body.message).toBe("Sending KES 1200 back by reversal.");
    expect([first, second].find((r) => !r.body.ok)?.status).toBe(400);

    const refunds = await prisma.mpesaRefund.findMany({ where: { receipt: receipt! } });
    expect(refunds).toHaveLength(1);
    expect(refunds[0]).toMatchObject({ state: "APPROVED", initiatedBy: "REVIEW", method: "REVERSAL", amountKes: 1200 });
    expect(refunds[0].approvedBy).toBe(`staff of ${SHOP}`);
    expect(await prisma.job.count({ where: { type: "send-refund", payload: { contains: refunds[0].id } } })).toBe(1);
    const resolution = await prisma.paymentReviewResolution.findUniqueOrThrow({ where: { attemptId: attempt.id } });
    expect(resolution).toMatchObject({ action: "REFUNDED", refundId: refunds[0].id, resolvedBy: `staff of ${SHOP}` });
    expect(resolution.resolvedAt.getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(await openReviewCount(prisma, SHOP)).toBe(before);

    const after = await page(attempt.id);
    expect(after.reviewPanel).toMatchObject({ open: false, resolution: { label: "Refunded via M-PESA" } });
    expect(after.statusLabel).toBe("Reviewed: refunded");
    expect((await post(attempt.id, { intent: "review-handled-outside", note: "again" })).status).toBe(400);
  });

  it("applies a late success to its order through the payment record job, exactly once", async () => {
    const { attempt } = await reviewAttempt(SHOP, "LATE_SUCCESS");
    expect((await page(attempt.id)).reviewPanel).toMatchObject({ canApply: true, canRefund: true });
    const results = await Promise.all([1, 2, 3].map(() => post(attempt.id, { intent: "review-apply" })));
    expect(results.filter((r) => r.body.ok)).toHaveLength(1);
    expect(results.find((r) => r.body.ok)?.body.message).toBe(
      `Recording this payment on ${attempt.orderName} in Shopify.`,
    );
    expect((await prisma.paymentAttempt.findUniqueOrThrow({ where: { id: attempt.id } })).status).toBe("SUCCEEDED");
    expect(
      await prisma.job.count({ where: { type: "record-payment-in-shopify", payload: { contains: attempt.id } } }),
    ).toBe(1);
    expect(await prisma.paymentReviewResolution.count({ where: { attemptId: attempt.id, action: "APPLIED" } })).toBe(1);
    expect((await page(attempt.id)).reviewPanel).toMatchObject({
      open: false,
      resolution: { label: "Applied to the order", by: `staff of ${SHOP}` },
    });
    // Nothing refunds it as a review any more.
    expect((await post(attempt.id, { intent: "review-refund" })).status).toBe(400);
  });

  it("a late success whose order another payment paid meanwhile is not applied: refund it instead", async () => {
    const { attempt } = await reviewAttempt(SHOP, "LATE_SUCCESS");
    // The retry that paid the order arrived after this payment was held.
    await prisma.paymentAttempt.create({
      data: {
        shopDomain: SHOP,
        orderGid: attempt.orderGid,
        orderName: attempt.orderName,
        amountKes: attempt.amountKes,
        msisdn: "254712345678",
        environment: "sandbox",
        status: "SUCCEEDED",
        mpesaReceipt: `TRVR${attempt.id.slice(-6).toUpperCase()}`,
        callbackTokenHash: `review-retry-${attempt.id}`,
      },
    });
    const shown = await page(attempt.id);
    expect(shown.reviewPanel).toMatchObject({ canApply: false, canRefund: true });
    expect(shown.reviewPanel.applyBlocked).toBe("The order is already paid by another payment.");
    const refused = await post(attempt.id, { intent: "review-apply" });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toContain("already paid by another payment");
    expect((await prisma.paymentAttempt.findUniqueOrThrow({ where: { id: attempt.id } })).status).toBe("NEEDS_REVIEW");
    expect(await prisma.paymentReviewResolution.count({ where: { attemptId: attempt.id } })).toBe(0);
    expect((await post(attempt.id, { intent: "review-refund" })).body).toMatchObject({ ok: true });
  });

  it("handled outside the app needs a note of how; kept with who and when", async () => {
    const { attempt } = await reviewAttempt(SHOP, "UNKNOWN_AFTER_QUERIES", { receipt: false });
    const panel = (await page(attempt.id)).reviewPanel;
    expect(panel).toMatchObject({ open: true, canRefund: false, canApply: false });
    for (const note of ["", "   "])
      expect((await post(attempt.id, { intent: "review-handled-outside", note })).body).toMatchObject({
        ok: false,
        error: "Say how it was handled (a note for your records).",
      });
    expect((await post(attempt.id, { intent: "review-handled-outside", note: "x".repeat(501) })).status).toBe(400);
    expect((await post(attempt.id, { intent: "review-refund" })).status).toBe(400);
    expect((await post(attempt.id, { intent: "review-apply" })).status).toBe(400);
    expect((await post(attempt.id, { intent: "review-delete" })).status).toBe(400);
    expect(await prisma.paymentReviewResolution.count({ where: { attemptId: attempt.id } })).toBe(0);

    const done = await post(attempt.id, {
      intent: "review-handled-outside",
      note: "found in the statement, paid by hand",
    });
    expect(done).toMatchObject({ status: 200, body: { ok: true, message: "Marked as handled outside the app." } });
    const after = (await page(attempt.id)).reviewPanel;
    expect(after.resolution).toMatchObject({
      label: "Handled outside the app",
      note: "found in the statement, paid by hand",
      by: `staff of ${SHOP}`,
    });
    // The attempt itself keeps its review facts.
    expect((await prisma.paymentAttempt.findUniqueOrThrow({ where: { id: attempt.id } })).status).toBe("NEEDS_REVIEW");
  });

  it("another shop's review cannot be seen or resolved", async () => {
    const { attempt } = await reviewAttempt(SHOP, "LATE_SUCCESS");
    expect(await pageStatus(attempt.id, OTHER)).toBe(404);
    for (const intent of ["review-refund", "review-apply", "review-handled-outside"])
      expect((await post(attempt.id, { intent, note: "mine now" }, OTHER)).status).toBe(400);
    expect(await prisma.paymentReviewResolution.count({ where: { attemptId: attempt.id } })).toBe(0);
    expect(await openReviewCount(prisma, OTHER)).toBe(0);
  });

  it("a shop without a disbursement account refunds by hand: pending, then marked done with a note", async () => {
    const { attempt, receipt } = await reviewAttempt(MANUAL_SHOP, "SECOND_PAYMENT_REFUND", { amountKes: 700 });
    const made = await post(attempt.id, { intent: "review-refund" }, MANUAL_SHOP);
    expect(made.body.ok).toBe(true);
    expect(made.body.message).toContain("pay back outside the app, then mark it done");
    const refund = await prisma.mpesaRefund.findFirstOrThrow({ where: { receipt: receipt! } });
    expect(refund).toMatchObject({ method: "MANUAL", state: "PENDING_APPROVAL", initiatedBy: "REVIEW" });
    expect(await prisma.job.count({ where: { payload: { contains: refund.id } } })).toBe(0);
    const view = (await page(attempt.id, MANUAL_SHOP)).refunds?.refunds[0];
    expect(view).toMatchObject({ canApprove: false, canMarkDone: true, canCancel: true });
    expect(
      (await post(attempt.id, { intent: "manual-done", refundId: refund.id, note: "y".repeat(501) }, MANUAL_SHOP))
        .status,
    ).toBe(400);
    const done = await post(
      attempt.id,
      { intent: "manual-done", refundId: refund.id, note: "sent from the shop phone, QK1234" },
      MANUAL_SHOP,
    );
    expect(done.body.ok).toBe(true);
    const row = await prisma.mpesaRefund.findUniqueOrThrow({ where: { id: refund.id } });
    expect(row).toMatchObject({ state: "MANUAL", note: "paid back by hand: sent from the shop phone, QK1234" });
    expect(row.approvedBy).toBe(`staff of ${MANUAL_SHOP}`);
    expect(row.settledAt).not.toBeNull();
    expect((await post(attempt.id, { intent: "manual-done", refundId: refund.id }, MANUAL_SHOP)).status).toBe(400);
  });
});

describe("the refund auto-approve rule (settings)", () => {
  const save = async (maxKes: string, shop = SHOP) => {
    const res = await refundRule.action({
      request: await postForm("/app/refund-rule", { maxKes }, shop),
      params: {},
      context: {},
    });
    return { status: res.status, body: await res.json() };
  };
  const read = async (shop = SHOP) =>
    (
      await (
        await refundRule.loader({ request: await getPage("/app/refund-rule", shop), params: {}, context: {} })
      ).json()
    ).maxKes;

  it("saves whole shillings from 1 to the B2C maximum, blank clears it, anything else is refused", async () => {
    expect(await save("500")).toEqual({ status: 200, body: { ok: true, maxKes: 500 } });
    expect(await read()).toBe(500);
    for (const bad of ["0", "12.5", "-3", "abc", "250001", "1e3", "99999999"]) {
      const r = await save(bad);
      expect(r.status).toBe(422);
      expect(r.body.ok).toBe(false);
    }
    expect(await read()).toBe(500);
    expect(await read(OTHER)).toBeNull();
    expect(await save(" ")).toEqual({ status: 200, body: { ok: true, maxKes: null } });
    expect(await read()).toBeNull();
  });
});
