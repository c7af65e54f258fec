// parseStatement: sniff what the file is (by its bytes, never its name), stream it through the matching
// reader under the byte cap, and return the parsed statement or the reasons it is refused.
import { pipeline } from "node:stream/promises";
import { PassThrough, type Readable } from "node:stream";
import { createAssembler, type RowKey, type RowSink } from "./assemble";
import { byteCap, readCsv, readXlsx } from "./readers";
import {
  DEFAULT_STATEMENT_LIMITS,
  refuse,
  StatementRefusal,
  type ParseOutcome,
  type StatementFormat,
  type StatementLimits,
} from "./types";

export type StatementSource = {
  /** Opens the file from its start (called twice: once to sniff its first bytes, once to read it). */
  open: () => Readable;
};

const SAVE_AS = "Open it in Excel and use Save As → CSV (UTF-8) or Excel Workbook (.xlsx), then import that file.";

/** What the first bytes say the file is. */
export function sniffFormat(head: Uint8Array): StatementFormat {
  const b = Buffer.from(head);
  if (b.length === 0) refuse("EMPTY", "The file is empty.");
  if (b.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]))) return "xlsx";
  if (b.subarray(0, 4).equals(Buffer.from([0xd0, 0xcf, 0x11, 0xe0])))
    refuse("UNSUPPORTED_FORMAT", `This is an old-style Excel file (.xls), which is not read. ${SAVE_AS}`);
  if (b.subarray(0, 5).toString("latin1") === "%PDF-")
    refuse(
      "UNSUPPORTED_FORMAT",
      "This is a PDF. Statements are read from the Org Portal's Excel or CSV export, not from PDF: export the statement as Excel or CSV.",
    );
  if ((b[0] === 0xff && b[1] === 0xfe) || (b[0] === 0xfe && b[1] === 0xff))
    refuse("UNSUPPORTED_FORMAT", `This is a UTF-16 ("Unicode text") file. ${SAVE_AS}`);
  const text = b
    .toString("utf8")
    .replace(/^\uFEFF/, "")
    .trimStart();
  if (/^<(?:\?xml|!doctype|html|table)/i.test(text))
    refuse(
      "UNSUPPORTED_FORMAT",
      `This is a web page or XML saved with a spreadsheet name, not a spreadsheet. ${SAVE_AS}`,
    );
  if (b.includes(0))
    refuse("NOT_A_STATEMENT", "This is not a spreadsheet: an M-PESA statement is a CSV or Excel (.xlsx) file.");
  return "csv";
}

async function readHead(source: StatementSource, n = 512): Promise<Uint8Array> {
  const stream = source.open();
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      chunks.push(chunk as Buffer);
      size += (chunk as Buffer).length;
      if (size >= n) break;
    }
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks).subarray(0, n);
}

export async function parseStatement(
  source: StatementSource,
  opts: { limits?: Partial<StatementLimits>; now?: Date; onRow?: RowSink; knownKeys?: Map<string, RowKey> } = {},
): Promise<ParseOutcome> {
  const limits = { ...DEFAULT_STATEMENT_LIMITS, ...opts.limits };
  try {
    const format = sniffFormat(await readHead(source));
    const assembler = createAssembler(format, limits, opts.now, opts.onRow, opts.knownKeys);
    const capped = new PassThrough();
    const feeding = pipeline(source.open(), byteCap(limits.maxBytes), capped);
    const reading = format === "csv" ? readCsv(capped, assembler) : readXlsx(capped, assembler);
    // The cap's error fails the feeding pipeline; the reader then sees a damaged stream. The cap wins.
    const [fed, read] = await Promise.allSettled([feeding, reading]);
    const reasons = [fed, read].flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
    // A refusal explains the other side's failure (a stream cut short because the cap or a rule stopped it).
    const refusal = reasons.find((r) => r instanceof StatementRefusal);
    if (refusal) throw refusal;
    if (reasons.length) throw reasons[0];
    return { ok: true, statement: assembler.finish() };
  } catch (err) {
    if (err instanceof StatementRefusal) return { ok: false, problems: err.problems };
    throw err;
  }
}
