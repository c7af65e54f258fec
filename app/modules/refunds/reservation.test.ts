import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { createPrismaClient } from "../../db.server";
import { applyRefundEvent, createRefund, refundableKes } from "./repository.server";

// The refundable limit on the real database (SQLite or PostgreSQL, per TEST_DATABASE_URL): what is
// promised to refunds of a receipt never exceeds what it received, however many are created at once.

const db = createPrismaClient(process.env.DATABASE_URL);
afterAll(() => db.$disconnect());
const deps = { db, now: () => new Date() };
const SHOP = "refund-limit.myshopify.com";

let seq = 0;
async function receipt(amountKes: number) {
  const id = `TRL${String(++seq).padStart(7, "0")}`;
  await db.mpesaReceipt.create({
    data: { receipt: id, shopDomain: SHOP, channel: "STK", orderGid: `gid://shopify/Order/${seq}`, amountKes },
  });
  return id;
}
const newRefund = (r: string, amountKes: number, key: string) =>
  createRefund(db, {
    shopDomain: SHOP,
    orderGid: "gid://shopify/Order/1",
    receipt: r,
    amountKes,
    method: "B2C",
    initiatedBy: "ADMIN_ACTION",
    sourceKey: key,
    phone: "254712345678",
  });

describe("refundable limit (database guard)", () => {
  it("concurrent refunds of one receipt never promise more than it received", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 10, max: 3000 }),
        fc.array(fc.integer({ min: 1, max: 1500 }), { minLength: 2, maxLength: 8 }),
        async (received, amounts) => {
          const r = await receipt(received);
          const results = await Promise.all(amounts.map((a, i) => newRefund(r, a, `${r}:${i}`)));
          const taken = results.filter((x) => x.created).reduce((s, x) => s + (x.created ? x.refund.amountKes : 0), 0);
          expect(taken).toBeLessThanOrEqual(received);
          expect(await refundableKes(db, r)).toBe(received - taken);
          const rows = await db.mpesaRefund.aggregate({ where: { receipt: r }, _sum: { amountKes: true } });
          expect(rows._sum.amountKes ?? 0).toBe(taken);
          // Each refusal says what is left, and only when the amount really did not fit at that moment.
          for (const x of results) if (!x.created) expect(x.reason).toBe("over_limit");
        },
      ),
      { numRuns: 25 },
    );
  });

  it("a cancelled or failed refund gives its shillings back; the same source creates nothing twice", async () => {
    const r = await receipt(1000);
    const a = await newRefund(r, 600, `${r}:a`);
    expect(a.created).toBe(true);
    expect(await newRefund(r, 600, `${r}:b`)).toMatchObject({
      created: false,
      reason: "over_limit",
      remainingKes: 400,
    });
    expect(await newRefund(r, 100, `${r}:a`)).toMatchObject({ created: false, reason: "duplicate" });
    if (!a.created) return;
    await applyRefundEvent(deps, a.refund.id, { type: "cancel", by: "merchant@example.com" });
    expect(await refundableKes(db, r)).toBe(1000);
    // A cancel that arrives twice gives nothing back twice.
    await applyRefundEvent(deps, a.refund.id, { type: "cancel", by: "merchant@example.com" });
    expect(await refundableKes(db, r)).toBe(1000);
    expect(await newRefund(r, 1000, `${r}:c`)).toMatchObject({ created: true });
    expect(await newRefund(r, 10, "no-such-receipt")).toMatchObject({ created: false });
  });

  it("two workers applying the same result: one transition, one job", async () => {
    const r = await receipt(1500);
    const made = await newRefund(r, 1500, `${r}:x`);
    if (!made.created) throw new Error("not created");
    const id = made.refund.id;
    await applyRefundEvent(deps, id, { type: "approve", by: "m", at: new Date() });
    await applyRefundEvent(deps, id, { type: "dispatch", at: new Date() });
    const success = { type: "result-success" as const, transactionId: `TX${r}`, at: new Date() };
    const results = await Promise.all([1, 2, 3].map(() => applyRefundEvent(deps, id, success)));
    expect(results.filter((x) => x.applied)).toHaveLength(1);
    expect(await db.job.count({ where: { type: "record-refund-in-shopify", payload: { contains: id } } })).toBe(1);
    expect((await db.mpesaRefund.findUniqueOrThrow({ where: { id } })).state).toBe("SUCCEEDED");
  });
});
