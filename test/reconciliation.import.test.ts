import { afterAll, beforeEach, describe, expect, it } from "vitest";
import prisma from "../app/db.server";
import { importStatement, type ImportInput } from "../app/modules/reconciliation/import.server";
import { shortcodeCheckFromAccounts } from "../app/modules/reconciliation/shortcodes.server";
import { asReadable } from "../app/modules/reconciliation/statement";
import { statementFile, syntheticStatement, type StatementFaults } from "../emulator/statement";

// Statement import against the real database (SQLite, or PostgreSQL with TEST_DATABASE_URL): all or
// nothing, keyed on (shop, shortcode, receipt, kind), so re-importing changes nothing.

afterAll(() => prisma.$disconnect());

const SHOP = "statement-shop.myshopify.com";
const NOW = new Date("2027-01-01T00:00:00Z");

beforeEach(async () => {
  await prisma.statementRow.deleteMany();
  await prisma.statementImport.deleteMany();
  await prisma.mpesaAccount.deleteMany();
  await prisma.mpesaAccount.create({
    data: {
      shopDomain: SHOP,
      defaultForShop: SHOP,
      environment: "sandbox",
      kind: "paybill",
      businessShortCode: "600123",
      consumerKey: "k",
      consumerSecretEnc: "sealed",
      passkeyEnc: "sealed",
    },
  });
});

async function upload(
  doc: ReturnType<typeof syntheticStatement>,
  format: "csv" | "xlsx" = "csv",
  faults: StatementFaults = {},
  shop = SHOP,
) {
  const bytes = await statementFile(doc, format, faults);
  const input: ImportInput = {
    shop,
    file: {
      name: `statement.${format}`,
      bytes: bytes.length,
      sha256: "sha",
      source: { open: () => asReadable(bytes) },
    },
    checkShortcode: shortcodeCheckFromAccounts(prisma),
    importedBy: "42",
    now: NOW,
  };
  return importStatement(prisma, input);
}

// Starts at 23:30 EAT, so the day's settlement row falls inside the file.
const START = Date.UTC(2026, 10, 1, 20, 30, 0);
const doc = syntheticStatement({ rows: 400, shortCode: "600123", seed: 5, start: START });

describe("importStatement", () => {
  it("stores every Completed row once, with its kind, amount in whole KES, times and masked party", async () => {
    const r = await upload(doc, "xlsx");
    expect(r).toMatchObject({ status: "IMPORTED", rows: 400, newRows: 400, knownRows: 0, problems: [] });
    expect(r.paidInKes).toBe(doc.totalPaidInCents / 100);
    expect(await prisma.statementRow.count({ where: { shopDomain: SHOP } })).toBe(400);
    const credit = doc.lines.find((l) => l.paidInCents)!;
    const stored = await prisma.statementRow.findUniqueOrThrow({
      where: {
        shopDomain_shortCode_receipt_kind: {
          shopDomain: SHOP,
          shortCode: "600123",
          receipt: credit.receipt,
          kind: "credit",
        },
      },
    });
    expect(stored).toMatchObject({
      amountKes: credit.paidInCents! / 100,
      completedAt: new Date(Math.floor(credit.completedAt / 1000) * 1000),
      accountNo: credit.accountNo,
      importId: r.importId,
    });
    expect(stored.otherPartyMsisdn).toMatch(/^\d{5}\*{4}\d{3}$/);
    // Every column as written (one JSON parameter a batch): times, balance, Fuliza flag, the texts.
    const secondOf = (ms: number) => new Date(Math.floor(ms / 1000) * 1000);
    expect(stored).toMatchObject({
      initiatedAt: credit.initiatedAt === null ? null : secondOf(credit.initiatedAt),
      balanceCents: BigInt(credit.balanceCents),
      overdraft: /\bwith OD\b/.test(credit.reasonType),
      details: credit.details,
      reasonType: credit.reasonType,
      linkedTransactionId: credit.linkedTransactionId || null,
    });
    const fuliza = doc.lines.find((l) => l.paidInCents && /\bwith OD\b/.test(l.reasonType))!;
    expect(fuliza).toBeDefined();
    const row = await prisma.statementRow.findFirstOrThrow({ where: { receipt: fuliza.receipt, kind: "credit" } });
    expect(row.overdraft).toBe(true);
    const kinds = await prisma.statementRow.groupBy({ by: ["kind"], _count: true, where: { shopDomain: SHOP } });
    expect(kinds.map((k) => k.kind).sort()).toEqual(["charge", "credit", "settlement"]);
    const record = await prisma.statementImport.findUniqueOrThrow({ where: { id: r.importId } });
    expect(record).toMatchObject({
      status: "IMPORTED",
      shortCode: "600123",
      newRows: 400,
      importedBy: "42",
      format: "xlsx",
    });
    expect(record.totalPaidInCents).toBe(BigInt(doc.totalPaidInCents));
  });

  it("re-importing the same file (in either format) adds nothing and reports every row as known", async () => {
    await upload(doc, "csv");
    const again = await upload(doc, "xlsx");
    expect(again).toMatchObject({ status: "IMPORTED", rows: 400, newRows: 0, knownRows: 400 });
    expect(await prisma.statementRow.count()).toBe(400);
  });

  it("an overlapping statement adds only its new rows", async () => {
    const earlier = syntheticStatement({ rows: 250, shortCode: "600123", seed: 5, start: START });
    const first = await upload(earlier);
    expect(first.newRows).toBe(250);
    const later = await upload(doc);
    expect(later.newRows + later.knownRows).toBe(400);
    expect(later.knownRows).toBeGreaterThanOrEqual(249); // the shorter file may end on a payment whose charge it cut
    expect(await prisma.statementRow.count()).toBe(250 + later.newRows);
  });

  it("two imports of one file at the same time store each row once", async () => {
    const [a, b] = await Promise.all([upload(doc), upload(doc)]);
    expect(a.newRows + b.newRows).toBe(400);
    expect(await prisma.statementRow.count()).toBe(400);
  });

  it("refuses a statement of another shortcode, storing no row but the refusal", async () => {
    const r = await upload(doc, "csv", { shortCode: "999999" });
    expect(r.status).toBe("REFUSED");
    expect(r.problems).toEqual([
      expect.objectContaining({
        code: "WRONG_SHORTCODE",
        message: expect.stringContaining("shortcode 999999, not one of your M-PESA shortcodes (600123)"),
      }),
    ]);
    expect(await prisma.statementRow.count()).toBe(0);
    const record = await prisma.statementImport.findUniqueOrThrow({ where: { id: r.importId } });
    expect(record.status).toBe("REFUSED");
    expect(JSON.parse(record.problems!)[0].code).toBe("WRONG_SHORTCODE");
  });

  it("refuses a shop without settings", async () => {
    const r = await upload(doc, "csv", {}, "other-shop.myshopify.com");
    expect(r.problems[0].message).toContain("Add your M-PESA account in Settings first");
    expect(await prisma.statementRow.count()).toBe(0);
  });

  it("refuses a file with totals off, truncated or month-first, storing nothing", async () => {
    for (const faults of [{ totalsOffKes: 3 }, { truncateAt: 0.5 }] satisfies StatementFaults[]) {
      for (const format of ["csv", "xlsx"] as const) {
        const r = await upload(doc, format, faults);
        expect(r.status).toBe("REFUSED");
      }
    }
    expect(await prisma.statementRow.count()).toBe(0);
    expect(await prisma.statementImport.count({ where: { status: "REFUSED" } })).toBe(4);
  });

  it("collapses duplicated rows of a file and stores them once", async () => {
    const r = await upload(doc, "csv", { duplicateRows: 5 });
    expect(r).toMatchObject({ status: "IMPORTED", newRows: 400, duplicatesCollapsed: 5 });
    expect(r.warnings).toContain("5 repeated row(s) counted once.");
  });

  it("refuses a file that contradicts a row imported before, and changes nothing", async () => {
    await upload(doc);
    const changed = structuredClone(doc);
    const i = changed.lines.findIndex((l) => l.paidInCents);
    changed.lines[i].paidInCents! += 100;
    changed.totalPaidInCents += 100;
    const r = await upload(changed);
    expect(r.status).toBe("REFUSED");
    expect(r.problems[0]).toMatchObject({ code: "CONFLICTING_DUPLICATE" });
    expect(r.problems[0].message).toContain(changed.lines[i].receipt);
    const stored = await prisma.statementRow.findFirstOrThrow({
      where: { receipt: changed.lines[i].receipt, kind: "credit" },
    });
    expect(stored.amountKes).toBe(doc.lines[i].paidInCents! / 100);
  });

  it("refuses rows with cents: M-PESA moves whole shillings", async () => {
    const cents = structuredClone(doc);
    const i = cents.lines.findIndex((l) => l.paidInCents);
    cents.lines[i].paidInCents! += 50;
    cents.totalPaidInCents += 50;
    const r = await upload(cents);
    expect(r.status).toBe("REFUSED");
    expect(r.problems[0].message).toMatch(/^Row \d+: [\d,]+\.50 has cents/);
    expect(await prisma.statementRow.count()).toBe(0);
  });
});
