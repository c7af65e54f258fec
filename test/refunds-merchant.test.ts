import { beforeAll, describe, expect, it } from "vitest";
import prisma from "../app/db.server";
import { action, loader } from "../app/routes/app.payments.$id";
import { createRefund } from "../app/modules/refunds/repository.server";
import { secretBoxFromEnv } from "../app/modules/settings/config.server";
import { saveSettings } from "../app/modules/settings/repository.server";
import { getPage, postForm, SHOP, storeSession } from "./settings.helpers";

// The merchant's refund actions on /app/payments/:id through the real route module with a valid
// admin session: "Refund via M-PESA" (approved by the click), approve / cancel / mark done, a double
// submit, amounts past the limit, and another shop's payment.

const OTHER = "refunds-other.myshopify.com";
const args = (request: Request, id: string) => ({ request, params: { id }, context: {} });
let n = 0;

async function paidAttempt(shop = SHOP, amountKes = 1500) {
  const i = ++n;
  const receipt = `TMR${String(i).padStart(7, "0")}`;
  const attempt = await prisma.paymentAttempt.create({
    data: {
      shopDomain: shop,
      orderGid: `gid://shopify/Order/${7000 + i}`,
      orderName: `#${7000 + i}`,
      amountKes,
      msisdn: "254712345678",
      environment: "sandbox",
      status: "SUCCEEDED",
      mpesaReceipt: receipt,
      callbackTokenHash: `merchant-${i}`,
    },
  });
  await prisma.mpesaReceipt.create({
    data: { receipt, shopDomain: shop, channel: "STK", attemptId: attempt.id, orderGid: attempt.orderGid, amountKes },
  });
  return { attempt, receipt };
}

async function page(id: string, shop = SHOP) {
  const data = await (await loader(args(await getPage(`/app/payments/${id}`, shop), id))).json();
  if (!data.refunds) throw new Error("no refunds panel");
  return { ...data, refunds: data.refunds };
}
const post = async (id: string, fields: Record<string, string>, shop = SHOP) => {
  const res = await action(args(await postForm(`/app/payments/${id}`, fields, shop), id));
  return { status: res.status, body: await res.json() };
};

beforeAll(async () => {
  await Promise.all([storeSession(SHOP), storeSession(OTHER)]);
  await saveSettings(prisma, secretBoxFromEnv(), SHOP, {
    environment: "sandbox",
    shortcodeType: "paybill",
    businessShortCode: "174379",
    tillNumber: null,
    consumerKey: "ck",
    paymentMethodName: "M-PESA",
    accountReferenceTemplate: "{order_number}",
    initiatorName: "apiop",
    newSecrets: { consumerSecret: "cs", passkey: "pk", initiatorPassword: "pw" },
  });
});

describe("refunds on the payment page", () => {
  it("Refund via M-PESA: approved by the click, a send job queued; the same form twice makes one refund", async () => {
    const { attempt, receipt } = await paidAttempt();
    const before = await page(attempt.id);
    expect(before.refunds).toMatchObject({ receipt, receivedKes: 1500, refundableKes: 1500, refunds: [] });
    const form = { intent: "refund", amount: "400", nonce: before.refunds.nonce };
    const first = await post(attempt.id, form);
    expect(first).toMatchObject({ status: 200, body: { ok: true, message: "Sending KES 400 back by B2C." } });
    expect((await post(attempt.id, form)).body).toMatchObject({
      ok: true,
      message: "That refund was already requested.",
    });
    const rows = await prisma.mpesaRefund.findMany({ where: { receipt } });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ state: "APPROVED", initiatedBy: "ADMIN_ACTION", method: "B2C", amountKes: 400 });
    expect(rows[0].approvedBy).toBeTruthy();
    expect(await prisma.job.count({ where: { type: "send-refund", payload: { contains: rows[0].id } } })).toBe(1);
    const after = await page(attempt.id);
    expect(after.refunds.refundableKes).toBe(1100);
    expect(after.refunds.refunds[0]).toMatchObject({ stateLabel: "Approved, sending", phone: "2547****5678" });
    expect(JSON.stringify(after)).not.toContain("254712345678");
  });

  it("refuses amounts that are not whole shillings or exceed what the receipt still holds; changes nothing", async () => {
    const { attempt, receipt } = await paidAttempt(SHOP, 300);
    const { nonce } = (await page(attempt.id)).refunds;
    for (const amount of ["", "0", "12.50", "-5", "abc"])
      expect((await post(attempt.id, { intent: "refund", amount, nonce })).status).toBe(400);
    const over = await post(attempt.id, { intent: "refund", amount: "301", nonce });
    expect(over).toMatchObject({
      status: 400,
      body: { ok: false, error: "At most KES 300 of this receipt can still be refunded." },
    });
    expect(await prisma.mpesaRefund.count({ where: { receipt } })).toBe(0);
  });

  it("a refund from Shopify waits for approval; approve, cancel and mark done act once", async () => {
    const { attempt, receipt } = await paidAttempt();
    const make = async (key: string) => {
      const made = await createRefund(prisma, {
        shopDomain: SHOP,
        orderGid: attempt.orderGid,
        receipt,
        amountKes: 100,
        method: "B2C",
        initiatedBy: "WEBHOOK",
        sourceKey: key,
        phone: "254712345678",
      });
      if (!made.created) throw new Error("not created");
      return made.refund.id;
    };
    const a = await make(`shopify:${receipt}:a`);
    const b = await make(`shopify:${receipt}:b`);
    const c = await make(`shopify:${receipt}:c`);
    expect((await post(attempt.id, { intent: "approve", refundId: a })).body.ok).toBe(true);
    expect((await post(attempt.id, { intent: "approve", refundId: a })).status).toBe(400); // double click
    expect((await post(attempt.id, { intent: "cancel", refundId: b })).body.ok).toBe(true);
    expect((await post(attempt.id, { intent: "manual-done", refundId: c })).body.ok).toBe(true);
    const states = await prisma.mpesaRefund.findMany({ where: { receipt }, orderBy: { sourceKey: "asc" } });
    expect(states.map((r) => r.state)).toEqual(["APPROVED", "CANCELLED", "MANUAL"]);
    // Cancelled shillings are refundable again; the others stay taken.
    expect((await page(attempt.id)).refunds.refundableKes).toBe(1300);
    expect((await post(attempt.id, { intent: "cancel", refundId: a })).status).toBe(400);
  });

  it("another shop's payment or refund cannot be touched", async () => {
    const { attempt } = await paidAttempt();
    const { nonce } = (await page(attempt.id)).refunds;
    const res = await post(attempt.id, { intent: "refund", amount: "10", nonce }, OTHER);
    expect(res.status).toBe(400);
    expect(await prisma.mpesaRefund.count({ where: { receipt: attempt.mpesaReceipt! } })).toBe(0);
  });
});
