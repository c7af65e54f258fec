import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import prisma from "../app/db.server";
import { importStatement } from "../app/modules/reconciliation/import.server";
import { shortcodeCheckFromAccounts } from "../app/modules/reconciliation/shortcodes.server";
import { asReadable } from "../app/modules/reconciliation/statement";
import { startEmulator, type Emulator } from "../emulator/index";
import { call, startReceiver, STK_PUSH, stkBody, token, type Receiver } from "../emulator/test-support";

// The emulator's Org Portal statement of its own money (STK and C2B it processed, with charge rows and
// a settlement), downloaded over its control API and imported by the app: totals match, every receipt
// is there once, and each fault the control API offers is refused by the import.

const SHOP = "emulator-statement.myshopify.com";
let emu: Emulator;
let rx: Receiver;
let bearer: string;

beforeAll(async () => {
  rx = await startReceiver();
  emu = await startEmulator({ callbackDelayMs: 5 });
  bearer = await token(emu);
  // Money in: STK payments (one whose callback never comes: the money still moved), a C2B paybill
  // payment and a till payment, then a sweep to the settlement account and one more payment after it.
  for (const [phone, amount] of [
    [254712345678, 150],
    [254712340004, 2_500],
    [254712345679, 30_000],
  ] as const)
    expect(
      (await call(emu, STK_PUSH, stkBody(phone, `${rx.url}/stk`, { Amount: amount }), { token: bearer })).status,
    ).toBe(200);
  await emu.c2bPay({ shortCode: "174379", amount: 800, msisdn: "254722000111", billRef: "shp-10 493" });
  await emu.idle();
  emu.settle("174379");
  await emu.c2bPay({ shortCode: "174379", amount: 99, msisdn: "254722000112", billRef: "SHP10494" });
});
afterAll(async () => {
  await emu.close();
  await rx.close();
  await prisma.$disconnect();
});
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
      businessShortCode: "174379",
      consumerKey: "k",
      consumerSecretEnc: "sealed",
      passkeyEnc: "sealed",
    },
  });
});

async function download(query: string) {
  const res = await fetch(`${emu.url}/__emulator/statement?shortCode=174379&${query}`);
  return { res, bytes: Buffer.from(await res.arrayBuffer()) };
}

const importBytes = (bytes: Buffer, name: string) =>
  importStatement(prisma, {
    shop: SHOP,
    file: { name, bytes: bytes.length, sha256: "sha", source: { open: () => asReadable(bytes) } },
    checkShortcode: shortcodeCheckFromAccounts(prisma),
  });

describe("emulator statement export", () => {
  it("serves CSV and XLSX files with the portal's layout", async () => {
    const csv = await download("format=csv");
    expect(csv.res.status).toBe(200);
    expect(csv.res.headers.get("content-type")).toBe("text/csv;charset=UTF-8");
    expect(csv.res.headers.get("content-disposition")).toBe('attachment; filename="ORG_174379_Statement.csv"');
    const lines = csv.bytes.toString("utf8").split("\r\n");
    expect(lines.slice(0, 3)).toEqual([
      "Account Holder:,EMULATED MERCHANT",
      "Short Code:,174379",
      "Account:,Utility Account",
    ]);
    expect(lines[6]).toMatch(
      /^Receipt No\.,Completion Time,Initiation Time,Details,Transaction Status,Paid In,Withdrawn,/,
    );
    expect(lines[7]).toMatch(/^[A-Z0-9]{10},\d{2}-\d{2}-\d{4} \d{2}:\d{2}:\d{2},/); // newest first, day-first EAT
    const xlsx = await download("format=xlsx");
    expect(xlsx.bytes.subarray(0, 2).toString("latin1")).toBe("PK");
    expect((await fetch(`${emu.url}/__emulator/statement?format=pdf&shortCode=174379`)).status).toBe(400);
    expect((await fetch(`${emu.url}/__emulator/statement`)).status).toBe(400);
  });

  for (const format of ["csv", "xlsx"] as const) {
    it(`${format}: imports with its totals matching, every receipt once, charges and the settlement`, async () => {
      const { bytes } = await download(`format=${format}`);
      const r = await importBytes(bytes, `s.${format}`);
      expect(r).toMatchObject({ status: "IMPORTED", problems: [], warnings: [] });
      const doc = emu.statementDocument({ shortCode: "174379" });
      expect(r.paidInKes! * 100).toBe(doc.totalPaidInCents);
      expect(r.withdrawnKes! * 100).toBe(doc.totalWithdrawnCents);

      const ledger = emu.ledger().filter((e) => e.shortCode === "174379");
      expect(ledger.length).toBe(5); // three STK (one without callback) and two C2B
      const credits = await prisma.statementRow.findMany({ where: { shopDomain: SHOP, kind: "credit" } });
      expect(credits.map((c) => c.receipt).sort()).toEqual(ledger.map((e) => e.receipt).sort());
      for (const e of ledger) expect(credits.find((c) => c.receipt === e.receipt)!.amountKes).toBe(e.amount);
      const byKind = await prisma.statementRow.groupBy({ by: ["kind"], _count: true, where: { shopDomain: SHOP } });
      expect(Object.fromEntries(byKind.map((k) => [k.kind, k._count]))).toEqual({
        credit: 5,
        charge: 4,
        settlement: 1,
      });
      expect(credits.find((c) => c.accountNoRaw === "shp-10 493")?.accountNo).toBe("SHP10493");

      const again = await importBytes(bytes, `s.${format}`);
      expect(again).toMatchObject({ status: "IMPORTED", newRows: 0, knownRows: 10 });
    });
  }

  it("the control API's faults are each refused (or collapsed, for duplicated rows)", async () => {
    const refused = async (query: string) => {
      const r = await importBytes((await download(query)).bytes, "fault");
      expect(r.status, query).toBe("REFUSED");
      return r.problems[0];
    };
    expect(await refused("format=csv&totalsOffKes=10")).toMatchObject({ code: "TOTALS_MISMATCH" });
    expect(await refused("format=xlsx&truncateAt=0.5")).toMatchObject({ code: "TRUNCATED" });
    expect(await refused("format=csv&otherShortCode=600999")).toMatchObject({ code: "WRONG_SHORTCODE" });
    expect(await refused("format=xlsx&formula=1")).toMatchObject({ code: "FORMULA" });
    const dup = await importBytes((await download("format=csv&duplicateRows=3")).bytes, "dup");
    expect(dup).toMatchObject({ status: "IMPORTED", duplicatesCollapsed: 3, rows: 10 });
    expect(await prisma.statementRow.count()).toBe(10);
  });
});
