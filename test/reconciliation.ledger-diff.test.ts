import { afterAll, beforeEach, describe, expect, it } from "vitest";
import prisma from "../app/db.server";
import { statementLedgerDiff } from "../app/modules/reconciliation/ledger-diff.server";

// Statement credits against the receipt ledger: receipts in the statement but not in the ledger, in the
// ledger but not in the statement, and amount mismatches — joined in the database.

afterAll(() => prisma.$disconnect());
const SHOP = "diff-shop.myshopify.com";
const at = (h: number) => new Date(Date.UTC(2026, 10, 10, h));

describe("statementLedgerDiff", () => {
  beforeEach(async () => {
    await prisma.statementRow.deleteMany();
    await prisma.mpesaReceipt.deleteMany();
  });
  const row = (receipt: string, amountKes: number, completedAt: Date, kind = "credit") => ({
    shopDomain: SHOP,
    shortCode: "600123",
    receipt,
    kind,
    amountKes,
    completedAt,
    details: "Pay Bill",
    importId: "imp",
  });
  const receipt = (r: string, amountKes: number, createdAt: Date) => ({
    receipt: r,
    shopDomain: SHOP,
    channel: "STK",
    amountKes,
    createdAt,
  });

  it("reads the window's credits and the ledger around them, without false gaps at the window's edges", async () => {
    await prisma.statementRow.createMany({
      data: [
        row("RMATCH0001", 100, at(5)),
        row("RMATCH0001", 5, at(5), "charge"), // charge twins are not money in
        row("RMISSED001", 200, at(6)), // a missed callback
        row("RDRIFT0001", 300, at(7)),
        row("REARLIER01", 400, at(1)), // paid before the window, accepted in it: not a gap
        { ...row("RLATECB001", 500, at(9)), accountNoRaw: "#1001" }, // its callback was accepted after the window
        { ...row("RMISSED002", 600, at(4)), accountNoRaw: "INV 7" },
        { ...row("RAFTER0001", 700, at(11)) }, // after the window: not looked at
      ],
    });
    await prisma.mpesaReceipt.createMany({
      data: [
        receipt("RMATCH0001", 100, at(5)),
        receipt("RDRIFT0001", 250, at(7)),
        receipt("REARLIER01", 400, at(4)),
        receipt("RNOSTMT001", 60, at(8)), // accepted, but not on Safaricom's record
        receipt("ROUTSIDE01", 70, at(20)), // outside the window: not looked at
        receipt("RLATECB001", 500, at(12)),
      ],
    });
    const other = { ...receipt("RNOSTMT002", 1, at(8)), shopDomain: "other.myshopify.com" };
    await prisma.mpesaReceipt.create({ data: other });

    const d = await statementLedgerDiff(prisma, SHOP, { from: at(3), to: at(10) });
    expect(d.matched).toBe(2);
    expect(d.inStatementNotLedger).toEqual([
      { receipt: "RMISSED002", amountKes: 600, completedAt: at(4), accountNoRaw: "INV 7" },
      { receipt: "RMISSED001", amountKes: 200, completedAt: at(6), accountNoRaw: null },
    ]);
    expect(d.inLedgerNotStatement).toEqual([{ receipt: "RNOSTMT001", amountKes: 60, channel: "STK", orderGid: null }]);
    expect(d.amountMismatches).toEqual([{ receipt: "RDRIFT0001", statementKes: 300, ledgerKes: 250 }]);
  });
});
