// The two readers: each streams the file and hands the assembler one row of cells at a time, so a
// 100,000-row statement is never held in memory as a file (only its parsed rows are kept, until the
// control totals have been checked). Formula cells are refused, never evaluated: an Org Portal export
// contains none, and a stored formula result is a number someone else computed.
import { Readable, Transform } from "node:stream";
import Papa from "papaparse";
import ExcelJS from "exceljs";
import type { Assembler } from "./assemble";
import { refuse, StatementRefusal, type Cell } from "./types";

/** Counts bytes as they stream and fails the stream past the cap. */
export function byteCap(maxBytes: number) {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      if (seen > maxBytes) return done(tooLarge(maxBytes));
      done(null, chunk);
    },
  });
}

export const tooLarge = (maxBytes: number) =>
  new StatementRefusal([
    {
      code: "TOO_LARGE",
      message: `The file is larger than ${(maxBytes / 1024 / 1024).toFixed(0)} MB: export a shorter period and import each file.`,
    },
  ]);

export function readCsv(input: Readable, assembler: Assembler): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let row = 0;
    let failed: unknown = null;
    const fail = (err: unknown) => {
      if (failed) return;
      failed = err;
      input.destroy();
      reject(err);
    };
    input.on("error", fail);
    Papa.parse<string[]>(input, {
      header: false,
      skipEmptyLines: false,
      dynamicTyping: false, // every cell stays text: amounts and dates are read by the statement's own rules
      delimiter: ",",
      step(results, parser) {
        if (failed) return parser.abort();
        row++;
        const quotes = results.errors.find((e) => e.type === "Quotes");
        try {
          if (quotes)
            refuse(
              "TRUNCATED",
              `Row ${row}: a quoted field is never closed: the file was cut off or is damaged. Download it again.`,
              row,
            );
          const pending = assembler.push(results.data as Cell[], row);
          if (pending) {
            // The sink is writing a batch: read no further until it is done.
            parser.pause();
            pending.then(
              () => parser.resume(),
              (err: unknown) => {
                fail(err);
                parser.abort();
              },
            );
          }
        } catch (err) {
          fail(err); // before abort(): papaparse calls complete() from inside abort()
          parser.abort();
        }
      },
      complete: () => (failed ? undefined : resolve()),
      error: (err: Error) => fail(err),
    });
  });
}

export async function readXlsx(input: Readable, assembler: Assembler): Promise<void> {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(input, {
    sharedStrings: "cache",
    styles: "cache", // needed to know which numbers are dates
    hyperlinks: "ignore",
    worksheets: "emit",
    entries: "emit",
  });
  let sheets = 0;
  try {
    for await (const sheet of reader) {
      sheets++;
      // The statement is the first sheet; later sheets are not read (their rows are drained unread).
      for await (const row of sheet) {
        if (sheets > 1) continue;
        const values = row.values as unknown[];
        const cells: Cell[] = [];
        for (let i = 1; i < values.length; i++) cells.push(xlsxCell(values[i], row.number, i));
        await assembler.push(cells, row.number);
      }
    }
  } catch (err) {
    input.destroy();
    if (err instanceof StatementRefusal) throw err;
    refuse(
      "TRUNCATED",
      `The Excel file cannot be read to its end (${(err as Error).message}): it is damaged or cut off. Download it again.`,
    );
  }
  if (sheets === 0) refuse("NOT_A_STATEMENT", "The Excel file has no worksheet.");
}

const columnName = (n: number): string =>
  n <= 0 ? "" : columnName(Math.floor((n - 1) / 26)) + String.fromCharCode(65 + ((n - 1) % 26));

function xlsxCell(v: unknown, row: number, col: number): Cell {
  if (v === null || v === undefined) return null;
  if (typeof v === "string" || typeof v === "number" || typeof v === "boolean" || v instanceof Date) return v;
  const o = v as Record<string, unknown>;
  if ("formula" in o || "sharedFormula" in o)
    refuse(
      "FORMULA",
      `Cell ${columnName(col)}${row} holds a formula (=${String(o.formula ?? o.sharedFormula).slice(0, 40)}). Statements straight from the Org Portal have none; formulas are never evaluated. Import the file as downloaded.`,
      row,
    );
  if (Array.isArray(o.richText)) return o.richText.map((t: { text?: string }) => t.text ?? "").join("");
  if (typeof o.text === "string") return o.text; // hyperlink
  if ("error" in o) return String(o.error);
  return null;
}

export const asReadable = (bytes: Uint8Array) => Readable.from([Buffer.from(bytes)]);
