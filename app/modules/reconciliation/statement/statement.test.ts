import ExcelJS from "exceljs";
import { describe, expect, it } from "vitest";
import { statementFile, syntheticStatement, type StatementFaults } from "../../../../emulator/statement";
import {
  asReadable,
  classify,
  parseCents,
  parseOtherParty,
  parseStatement,
  parseStatementTime,
  type ParseOutcome,
  type StatementLimits,
} from "./index";
import { parseAccountNo } from "./values";

const HEADER =
  "Receipt No.,Completion Time,Initiation Time,Details,Transaction Status,Paid In,Withdrawn,Balance,Balance Confirmed,Reason Type,Other Party Info,Linked Transaction ID,A/C No.";

/** A small portal-shaped CSV: the preamble rows, the header, then the given rows. */
function csv(rows: string[], o: { paidIn?: string; withdrawn?: string; shortCode?: string; header?: string } = {}) {
  return [
    "Account Holder:,JANE'S DUKA LTD",
    `Short Code:,${o.shortCode ?? "600123"}`,
    "Account:,Utility Account",
    "Time Period:,From,01-11-2026 00:00:00,To,30-11-2026 23:59:59",
    "Operator:,jane.ops,Organization:,JANE'S DUKA LTD,Date of Report:,01-12-2026 08:00:00",
    `Opening Balance:,"1,000.00",Closing Balance:,"2,933.00",Available Balance:,"2,933.00",Total Paid In:,${o.paidIn ?? '"2,053.00"'},Total Withdrawn:,${o.withdrawn ?? "-120.00"}`,
    o.header ?? HEADER,
    ...rows,
  ].join("\r\n");
}

const ROWS = [
  // newest first; a payment and its charge twin share the receipt
  'TKB4XK91QZ,13-11-2026 17:16:40,13-11-2026 17:16:35,Pay Bill from 25470****111 - ALICE **** EXAMPLE Acc. SHP10492,Completed,"1,053.00",,"2,993.00",true,Pay Utility,25470****111 - ALICE **** EXAMPLE,,SHP10492',
  'TKB4XK91QZ,13-11-2026 17:16:40,13-11-2026 17:16:35,Pay Bill Charge,Completed,,-10.00,"1,940.00",true,Pay Bill Charge,SP,,',
  'TKA1AB2CD3,12-11-2026 09:00:00,,Utility Account to Organization Settlement Account,Completed,,-50.00,"1,950.00",true,Settlement,,,',
  'TKA1AB2CD4,11-11-2026 08:00:00,11-11-2026 07:59:58,Pay Bill from 070****444 - DAVE Acc. 850060.0,Completed,500.00,,"2,000.00",TRUE,Pay Utility with OD via STK,070****444 - DAVE,,850060.0',
  'TKA1AB2CD5,10-11-2026 08:00:00,,Pay Bill from 0722926212 - OLD STYLE,Completed,500.00,,"1,500.00",true,Pay Bill Online,0722926212 - OLD STYLE,,shp-10 493',
  'TKA1AB2CD6,09-11-2026 08:00:00,,Business Payment to 2547****9999,Completed,,-60.00,"1,000.00",true,Business Payment,2547****9999 - JOHN,TKA1AB2CD5,',
  'TKA1AB2CD7,09-11-2026 07:00:00,,Pay Bill from 2547****5678 - X,Failed,99.00,,"1,060.00",true,Pay Utility,2547****5678 - X,,',
];

const parse = (text: string | Uint8Array, limits?: Partial<StatementLimits>, now?: Date) =>
  parseStatement(
    { open: () => asReadable(typeof text === "string" ? Buffer.from(text) : text) },
    { limits, now: now ?? new Date("2026-12-02T00:00:00Z") },
  );

const ok = (out: ParseOutcome) => {
  if (!out.ok) throw new Error(`refused: ${JSON.stringify(out.problems)}`);
  return out.statement;
};
const refused = (out: ParseOutcome) => {
  if (out.ok) throw new Error("expected the file to be refused");
  return out.problems;
};

describe("statement cells", () => {
  it("reads amounts exactly, as numbers or strings with separators, quotes and KES", () => {
    expect(parseCents("1,053.00")).toBe(105300);
    expect(parseCents("KES 1 053.5")).toBe(105350);
    expect(parseCents("-60.00")).toBe(-6000);
    expect(parseCents("(60.00)")).toBe(-6000);
    expect(parseCents(1053.1)).toBe(105310);
    expect(parseCents(0.1 + 0.2)).toBe(30);
    expect(parseCents("")).toBeNull();
    expect(parseCents(null)).toBeNull();
    expect(parseCents("12.345")).toBeUndefined();
    expect(parseCents("12.300")).toBe(1230);
    expect(parseCents("=1+1")).toBeUndefined();
    expect(parseCents("1.053,00")).toBeUndefined();
  });

  it("reads day-first EAT times, ISO-like ones, Excel serials and Date cells", () => {
    const at = (v: Parameters<typeof parseStatementTime>[0]) => {
      const r = parseStatementTime(v);
      return r.ok ? r.at.toISOString() : r;
    };
    expect(at("04-01-2020 17:16:40")).toBe("2020-01-04T14:16:40.000Z"); // 4 January, EAT = UTC+3
    expect(at("04/01/2020 17:16")).toBe("2020-01-04T14:16:00.000Z");
    expect(at("2020-01-04 17:16:40")).toBe("2020-01-04T14:16:40.000Z");
    expect(at(43834.7199074074)).toBe("2020-01-04T14:16:40.000Z"); // serial of 04-01-2020 17:16:40
    expect(at(new Date(Date.UTC(2020, 0, 4, 17, 16, 40)))).toBe("2020-01-04T14:16:40.000Z");
    expect(at("04-01-2020 5:16:40 PM")).toBe("2020-01-04T14:16:40.000Z");
    expect(parseStatementTime("")).toEqual({ ok: null });
    expect(parseStatementTime("31-02-2026 10:00:00")).toEqual({ ok: false, monthFirst: false });
    expect(parseStatementTime("01-13-2026 10:00:00")).toEqual({ ok: false, monthFirst: true });
    expect(parseStatementTime(12)).toEqual({ ok: false });
  });

  it("splits Other Party Info in its four shapes and never keeps a full phone number", () => {
    expect(parseOtherParty("25470****111 - ALICE **** EXAMPLE")).toEqual({
      msisdn: "25470****111",
      name: "ALICE EXAMPLE",
    });
    expect(parseOtherParty("070****444 - DAVE")).toEqual({ msisdn: "070****444", name: "DAVE" });
    expect(parseOtherParty("0722926212 - NAME")).toEqual({ msisdn: "0722****6212", name: "NAME" });
    expect(parseOtherParty("254722926212- Customer Credits")).toEqual({
      msisdn: "2547****6212",
      name: "Customer Credits",
    });
    expect(parseOtherParty("SP")).toEqual({ msisdn: null, name: "SP" });
    expect(parseOtherParty("")).toEqual({ msisdn: null, name: null });
    expect(parseOtherParty("600000 - SOME ORG")).toEqual({ msisdn: "600000", name: "SOME ORG" });
  });

  it("cleans A/C No. of Excel's float form and keeps leading zeros", () => {
    expect(parseAccountNo("850060.0")).toEqual({ raw: "850060", normalised: "850060" });
    expect(parseAccountNo(850060)).toEqual({ raw: "850060", normalised: "850060" });
    expect(parseAccountNo("007")).toEqual({ raw: "007", normalised: "007" });
    expect(parseAccountNo(" shp-10 #493 ")).toEqual({ raw: "shp-10 #493", normalised: "SHP10493" });
    expect(parseAccountNo("")).toEqual({ raw: null, normalised: null });
  });

  it("classifies charge twins, settlements and other debits", () => {
    expect(classify(true, "Pay Bill from x", "Pay Utility")).toBe("credit");
    expect(classify(false, "Pay Bill Charge", null)).toBe("charge");
    expect(classify(false, "Utility Account to Organization Settlement Account", null)).toBe("settlement");
    expect(classify(false, "Organization Settle to Bank", "Settlement")).toBe("settlement");
    expect(classify(false, "Business Payment to x", "Business Payment")).toBe("debit");
  });
});

describe("parseStatement (CSV)", () => {
  it("reads the preamble by label, maps columns by name and keeps only Completed rows", async () => {
    const s = ok(await parse(csv(ROWS)));
    expect(s.format).toBe("csv");
    expect(s.shortCode).toBe("600123");
    expect(s.preamble).toMatchObject({
      accountHolder: "JANE'S DUKA LTD",
      account: "Utility Account",
      operator: "jane.ops",
      organization: "JANE'S DUKA LTD",
      periodFrom: new Date("2026-10-31T21:00:00Z"),
      periodTo: new Date("2026-11-30T20:59:59Z"),
      reportedAt: new Date("2026-12-01T05:00:00Z"),
      openingBalanceCents: 100000,
      closingBalanceCents: 293300,
      totalPaidInCents: 205300,
      totalWithdrawnCents: 12000,
    });
    expect(s.notCompleted).toBe(1);
    expect(s.rows.map((r) => [r.receipt, r.kind, r.amountCents])).toEqual([
      ["TKB4XK91QZ", "credit", 105300],
      ["TKB4XK91QZ", "charge", 1000],
      ["TKA1AB2CD3", "settlement", 5000],
      ["TKA1AB2CD4", "credit", 50000],
      ["TKA1AB2CD5", "credit", 50000],
      ["TKA1AB2CD6", "debit", 6000],
    ]);
    expect(s.sums).toEqual({ paidInCents: 205300, withdrawnCents: 12000 });
    const [pay, charge, , fuliza, old, payout] = s.rows;
    expect(pay).toMatchObject({
      completedAt: new Date("2026-11-13T14:16:40Z"),
      initiatedAt: new Date("2026-11-13T14:16:35Z"),
      otherPartyMsisdn: "25470****111",
      otherPartyName: "ALICE EXAMPLE",
      accountNoRaw: "SHP10492",
      accountNo: "SHP10492",
      reasonType: "Pay Utility",
      overdraft: false,
      balanceCents: 299300,
      line: 8,
    });
    expect(charge).toMatchObject({ otherPartyMsisdn: null, otherPartyName: "SP", accountNo: null });
    expect(fuliza).toMatchObject({
      overdraft: true,
      accountNoRaw: "850060",
      initiatedAt: new Date("2026-11-11T04:59:58Z"),
    });
    expect(old.details).toBe("Pay Bill from 0722****6212 - OLD STYLE"); // the full number in Details is masked too
    expect(old).toMatchObject({ otherPartyMsisdn: "0722****6212", accountNo: "SHP10493" });
    expect(payout).toMatchObject({ linkedTransactionId: "TKA1AB2CD5", kind: "debit" });
    expect(JSON.stringify(s)).not.toContain("0722926212");
  });

  it("finds the header by name whatever the column order, with the optional Currency column", async () => {
    const header = "A/C No.,Currency,Receipt No.,Transaction Status,Completion Time,Details,Withdrawn,Paid In";
    const text = csv(['ACC1,KES,tkb4xk91qz,Completed,13-11-2026 17:16:40,Pay Bill from x,,"2,053.00"'], {
      header,
      withdrawn: "0.00",
    });
    const s = ok(await parse(text));
    expect(s.rows[0]).toMatchObject({ receipt: "TKB4XK91QZ", accountNo: "ACC1", currency: "KES", amountCents: 205300 });
  });

  it("refuses a file whose rows do not add up to its own control totals, naming the difference", async () => {
    const problems = refused(await parse(csv(ROWS, { paidIn: '"2,153.00"' })));
    expect(problems).toEqual([
      expect.objectContaining({
        code: "TOTALS_MISMATCH",
        message: expect.stringContaining("rows are short by KES 100.00"),
      }),
    ]);
    const withdrawn = refused(await parse(csv(ROWS, { withdrawn: "-100.00" })));
    expect(withdrawn[0].message).toContain("rows exceed it by KES 20.00");
  });

  it("uses a footer Totals row when the preamble has no totals, and refuses a file with neither", async () => {
    const noTotals = csv(ROWS).replace(/,Total Paid In:.*$/m, "");
    expect(refused(await parse(noTotals))[0].code).toBe("NO_CONTROL_TOTALS");
    const s = ok(await parse(`${noTotals}\r\n,,,Totals,,"2,053.00",120.00,`));
    expect(s.rows).toHaveLength(6);
    expect(refused(await parse(`${noTotals}\r\n,,,Totals,,"2,000.00",120.00,`))[0].code).toBe("TOTALS_MISMATCH");
  });

  it("warns of rows completed outside the Time Period, whether the rows are kept or streamed to a sink", async () => {
    // The period ends on the 12th: the payment and its charge twin of the 13th fall outside it.
    const text = csv(ROWS).replace("To,30-11-2026 23:59:59", "To,12-11-2026 23:59:59");
    const warning = "2 row(s) completed outside the statement's Time Period (first: row 8).";
    expect(ok(await parse(text)).warnings).toContain(warning);
    const streamed = ok(
      await parseStatement(
        { open: () => asReadable(Buffer.from(text)) },
        { now: new Date("2026-12-02T00:00:00Z"), onRow: () => undefined },
      ),
    );
    expect(streamed.rows).toEqual([]);
    expect(streamed.warnings).toContain(warning);
    expect(ok(await parse(csv(ROWS))).warnings.filter((w) => w.includes("Time Period"))).toEqual([]);
  });

  it("a second pass with the first pass's keys keeps none of its own: same rows, repeats skipped, a changed file refused", async () => {
    const text = csv([ROWS[0], ROWS[0], ...ROWS.slice(1)]);
    const first = ok(await parse(text));
    const streamed: string[] = [];
    const again = ok(
      await parseStatement(
        { open: () => asReadable(Buffer.from(text)) },
        {
          now: new Date("2026-12-02T00:00:00Z"),
          knownKeys: first.keys,
          onRow: (r) => void streamed.push(`${r.receipt}|${r.kind}`),
        },
      ),
    );
    expect(streamed).toEqual([...first.keys.keys()]);
    expect([again.rowCount, again.duplicatesCollapsed, again.sums]).toEqual([first.rowCount, 1, first.sums]);
    expect(again.keys).toBe(first.keys);
    // A row the first pass never saw: the file changed between the passes.
    const changed = text.replace("TKA1AB2CD3", "TKA1AB2CD9");
    const problems = refused(
      await parseStatement(
        { open: () => asReadable(Buffer.from(changed)) },
        { now: new Date("2026-12-02T00:00:00Z"), knownKeys: first.keys, onRow: () => undefined },
      ),
    );
    expect(problems[0].message).toMatch(/TKA1AB2CD9 was not in the file when it was checked/);
  });

  it("keeps the shortcode as a digit string, also when Excel wrote it as a float", async () => {
    expect(ok(await parse(csv(ROWS, { shortCode: "600123.0" }))).shortCode).toBe("600123");
    expect(refused(await parse(csv(ROWS).replace(/^Short Code:.*\r\n/m, "")))[0].code).toBe("NO_SHORTCODE");
  });

  it("counts exact repeats once and refuses a receipt that appears twice with different values", async () => {
    const s = ok(await parse(csv([ROWS[0], ROWS[0], ...ROWS.slice(1)])));
    expect(s.duplicatesCollapsed).toBe(1);
    expect(s.rows).toHaveLength(6);
    expect(s.warnings).toContain("1 repeated row(s) counted once.");
    const changed = ROWS[0].replace('"1,053.00"', '"1,052.00"');
    const problems = refused(await parse(csv([ROWS[0], changed, ...ROWS.slice(1)])));
    expect(problems[0]).toMatchObject({ code: "CONFLICTING_DUPLICATE", line: 9 });
    expect(problems[0].message).toContain("TKB4XK91QZ");
  });

  it("detects dates in the other (month-first) order and refuses the file", async () => {
    const swapped = ROWS.map((r) => r.replace(/(\d{2})-(\d{2})-2026/g, "$2-$1-2026"));
    const problems = refused(await parse(csv(swapped)));
    expect(problems[0]).toMatchObject({ code: "DATE_ORDER", line: 8 });
    expect(problems[0].message).toContain("month-first");
    expect(problems.some((p) => /is not a day-first/.test(p.message))).toBe(false);
  });

  it("refuses rows dated in the future (a month-first file whose days are all ≤ 12 shows up so)", async () => {
    const row = ROWS[0].replace(/13-11-2026/g, "12-11-2026");
    const text = csv([row], { paidIn: '"1,053.00"', withdrawn: "0" });
    expect(ok(await parse(text, {}, new Date("2026-11-20T00:00:00Z"))).rows).toHaveLength(1);
    // read day-first, 11-12-2026 is 11 December: more than a day after "now"
    const swapped = csv([row.replace(/12-11-2026/g, "11-12-2026")], { paidIn: '"1,053.00"', withdrawn: "0" });
    const future = refused(await parse(swapped, {}, new Date("2026-11-20T00:00:00Z")));
    expect(future[0].message).toBe("Row 8: Completion Time 11-12-2026 17:16:40 is in the future (read day-first)");
  });

  it("refuses a truncated file: cut inside a quoted field, or mid-row", async () => {
    const text = csv(ROWS);
    const cutInQuote = text.slice(0, text.indexOf('"1,053.00"') + 4);
    expect(refused(await parse(cutInQuote))[0].code).toBe("TRUNCATED");
    const cutMidRow = text.slice(0, text.indexOf("Pay Bill Charge") + 5);
    const problems = refused(await parse(cutMidRow));
    expect(problems[0].message).toMatch(/Row 9: .*cut short/);
  });

  it("refuses empty files, files that are not statements and files that are not spreadsheets", async () => {
    expect(refused(await parse(""))[0].code).toBe("EMPTY");
    expect(refused(await parse("\r\n\r\n,,\r\n"))[0].code).toBe("NOT_A_STATEMENT");
    expect(refused(await parse("name,amount\r\nx,1\r\n"))[0].message).toContain("not an M-PESA organisation statement");
    expect(refused(await parse(csv([], { header: "Receipt No.,Completion Time,Details" })))[0].message).toContain(
      '"Transaction Status", "Paid In", "Withdrawn"',
    );
    expect(refused(await parse(Buffer.from("%PDF-1.7\n%…")))[0].code).toBe("UNSUPPORTED_FORMAT");
    expect(refused(await parse(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0])))[0].message).toContain(
      "Save As → CSV (UTF-8) or Excel Workbook (.xlsx)",
    );
    expect(refused(await parse(Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1])))[0].message).toContain(
      "not a spreadsheet",
    );
    expect(refused(await parse(Buffer.from("\ufeffReceipt No.", "utf16le")))[0].message).toContain("UTF-16");
    expect(refused(await parse("<html><table><tr><td>Receipt No.</td></tr></table></html>"))[0].code).toBe(
      "UNSUPPORTED_FORMAT",
    );
    // A zip that is not a workbook
    expect(refused(await parse(Buffer.from("PK\u0003\u0004garbage")))[0].code).toBe("TRUNCATED");
  });

  it("accepts a statement with no transactions when its totals are zero", async () => {
    const s = ok(await parse(csv([], { paidIn: "0.00", withdrawn: "0.00" })));
    expect(s.rows).toEqual([]);
  });

  it("enforces the size, row and cell-length caps while streaming", async () => {
    const text = csv(ROWS);
    expect(refused(await parse(text, { maxBytes: 500 }))[0].code).toBe("TOO_LARGE");
    expect(refused(await parse(text, { maxRows: 3 }))[0]).toMatchObject({ code: "TOO_MANY_ROWS", line: 11 });
    const huge = ROWS[0].replace("Pay Bill from", `Pay Bill from ${"x".repeat(5000)}`);
    expect(refused(await parse(csv([huge, ...ROWS.slice(1)])))[0]).toMatchObject({ code: "CELL_TOO_LONG", line: 8 });
  });

  it("reads a formula-looking CSV cell as text: never evaluated, and not an amount", async () => {
    const row = ROWS[0].replace('"1,053.00"', "=1053+0");
    const problems = refused(await parse(csv([row, ...ROWS.slice(1)])));
    expect(problems[0].message).toBe('Row 8: Paid In "=1053+0" is not an amount');
    const text = ROWS[0].replace("Pay Bill from", '=HYPERLINK("x") Pay Bill from');
    expect(ok(await parse(csv([text, ...ROWS.slice(1)]))).rows[0].details).toMatch(/^=HYPERLINK/);
  });

  it("lists at most 20 row problems and counts the rest", async () => {
    const bad = Array.from({ length: 30 }, (_, i) => `BAD${i},13-11-2026 17:16:40,,x,Completed,abc,,,,,,,`);
    const problems = refused(await parse(csv(bad)));
    expect(problems).toHaveLength(21);
    expect(problems[20].message).toBe("… and 10 more row problem(s).");
  });
});

describe("parseStatement (XLSX)", () => {
  async function workbook(rows: unknown[][]): Promise<Buffer> {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet("transaction");
    for (const r of rows) ws.addRow(r);
    return Buffer.from(await wb.xlsx.writeBuffer());
  }
  const preamble = [
    ["Account Holder:", "JANE'S DUKA LTD"],
    ["Short Code:", 600123],
    ["Time Period:", "From 01-11-2026 00:00:00", "To 30-11-2026 23:59:59"],
    ["Opening Balance:", 0, "Closing Balance:", 1043, "Total Paid In:", 1053, "Total Withdrawn:", -10],
    HEADER.split(","),
  ];

  it("reads numbers, Date cells and Excel serials as the portal's own values", async () => {
    const completed = new Date(Date.UTC(2026, 10, 13, 17, 16, 40)); // wall clock, as Excel stores it
    const bytes = await workbook([
      ...preamble,
      [
        "TKB4XK91QZ",
        completed,
        46339.719907407,
        "Pay Bill from x",
        "Completed",
        1053,
        null,
        1053,
        true,
        "Pay Utility",
        "254708****149 - JO",
        null,
        850060,
      ],
      ["TKB4XK91QZ", completed, null, "Pay Bill Charge", "Completed", null, -10, 1043, true, "Pay Bill Charge", "SP"],
    ]);
    const s = ok(await parse(bytes));
    expect(s.format).toBe("xlsx");
    expect(s.shortCode).toBe("600123");
    expect(s.preamble.periodFrom).toEqual(new Date("2026-10-31T21:00:00Z"));
    expect(s.rows[0]).toMatchObject({
      completedAt: new Date("2026-11-13T14:16:40Z"),
      initiatedAt: new Date("2026-11-13T14:16:40Z"),
      amountCents: 105300,
      accountNo: "850060",
    });
    expect(s.rows[1]).toMatchObject({ kind: "charge", amountCents: 1000 });
  });

  it("refuses formula cells instead of evaluating them, naming the cell", async () => {
    const bytes = await workbook([
      ...preamble,
      ["TKB4XK91QZ", "13-11-2026 17:16:40", null, "Pay Bill from x", "Completed", { formula: "1000+53", result: 1053 }],
    ]);
    expect(refused(await parse(bytes))[0]).toMatchObject({
      code: "FORMULA",
      message: expect.stringContaining("Cell F6"),
    });
  });

  it("refuses huge cells", async () => {
    const bytes = await workbook([...preamble, ["TKB4XK91QZ", "13-11-2026 17:16:40", null, "y".repeat(20_000)]]);
    expect(refused(await parse(bytes))[0].code).toBe("CELL_TOO_LONG");
  });
});

describe("statements written by the emulator", () => {
  const doc = syntheticStatement({ rows: 500, shortCode: "600123", seed: 7 });
  const load = async (format: "csv" | "xlsx", faults: StatementFaults = {}) =>
    parse(await statementFile(doc, format, faults), {}, new Date("2027-01-01T00:00:00Z"));

  for (const format of ["csv", "xlsx"] as const) {
    it(`${format}: reads the whole file with totals matching`, async () => {
      const s = ok(await load(format));
      expect(s.rows).toHaveLength(500);
      expect(s.sums).toEqual({ paidInCents: doc.totalPaidInCents, withdrawnCents: doc.totalWithdrawnCents });
      expect(s.rows.some((r) => r.kind === "charge")).toBe(true);
      expect(s.rows.some((r) => r.overdraft)).toBe(true);
      expect(s.warnings).toEqual([]);
    });

    it(`${format}: refuses the faults (totals off, truncated, month-first) and collapses duplicated rows`, async () => {
      expect(refused(await load(format, { totalsOffKes: 7 }))[0].message).toContain("short by KES 7.00");
      expect(refused(await load(format, { truncateAt: 0.6 })).length).toBeGreaterThan(0);
      const dup = ok(await load(format, { duplicateRows: 4 }));
      expect([dup.duplicatesCollapsed, dup.rows.length]).toEqual([4, 500]);
      expect(ok(await load(format, { shortCode: "999999" })).shortCode).toBe("999999");
    });
  }

  it("finds month-first dates in a statement that spans days past the 12th", async () => {
    const long = syntheticStatement({ rows: 200, seed: 3, start: Date.UTC(2026, 10, 12, 20, 50, 0) }); // 23:50 EAT on the 12th
    const bytes = await statementFile(long, "csv", { monthFirst: true });
    // a statement crossing into the 13th: its dates are impossible day-first
    const problems = refused(await parse(bytes, {}, new Date("2027-01-01T00:00:00Z")));
    expect(problems[0].code).toBe("DATE_ORDER");
  });

  for (const format of ["csv", "xlsx"] as const) {
    it(`${format}: hands rows to an onRow sink instead of keeping them, waiting for its promises`, async () => {
      const bytes = await statementFile(doc, format);
      const seen: string[] = [];
      let inFlight = 0;
      let overlapped = false;
      const out = await parseStatement(
        { open: () => asReadable(bytes) },
        {
          now: new Date("2027-01-01T00:00:00Z"),
          onRow: (r) => {
            if (inFlight) overlapped = true;
            seen.push(`${r.receipt}|${r.kind}`);
            if (seen.length % 100 !== 0) return;
            inFlight++;
            return new Promise<void>((resolve) => setTimeout(resolve, 5)).then(() => void inFlight--);
          },
        },
      );
      const s = ok(out);
      expect(s.rows).toEqual([]);
      expect(s.rowCount).toBe(500);
      expect(seen).toHaveLength(500);
      expect(overlapped).toBe(false); // no row was read while the sink was still busy
      expect([...s.keys.keys()]).toEqual(seen);
      expect(s.sums).toEqual({ paidInCents: doc.totalPaidInCents, withdrawnCents: doc.totalWithdrawnCents });
    });
  }

  it("reads a 100,000-row statement streamed from the emulator's writer", { timeout: 120_000 }, async () => {
    const big = syntheticStatement({ rows: 100_000, seed: 11 });
    const s = ok(await parse(await statementFile(big, "csv"), {}, new Date("2027-01-01T00:00:00Z")));
    expect(s.rows).toHaveLength(100_000);
    expect(s.sums.paidInCents).toBe(big.totalPaidInCents);
  });
});
