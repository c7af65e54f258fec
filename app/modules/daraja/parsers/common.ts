import { z } from "zod";
import { MalformedPayloadError } from "../errors";

// Shared pieces for inbound payloads. Daraja mixes numbers and strings for the same field, sends
// one object where an array is documented, and omits Value on some items: accept all of that.

/** A code that may be a number or a string ("0", 0, "SFC_IC0003", "R000002") → string. */
export const codeSchema = z.union([z.number(), z.string().trim().min(1)]).transform(String);

/** An amount that may be 150, "150", "1.00" → number. */
export const amountSchema = z
  .union([
    z.number(),
    z
      .string()
      .trim()
      .regex(/^-?\d+(\.\d+)?$/),
  ])
  .transform(Number);

/** One object or an array of them → array (absent → []). */
export const oneOrMany = <T extends z.ZodType>(item: T) =>
  z
    .union([z.array(item), item])
    .optional()
    .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v])) as unknown as z.ZodType<z.infer<T>[]>;

export const optionalString = z
  .union([z.string(), z.number(), z.null()])
  .optional()
  .transform((v) => (v === null || v === undefined ? "" : String(v)));

export function parseWith<T extends z.ZodType>(what: string, schema: T, body: unknown): z.infer<T> {
  const value = typeof body === "string" ? tryJson(body) : body;
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new MalformedPayloadError(
      what,
      result.error.issues.map((i) => `${i.path.length ? i.path.join(".") : "(body)"}: ${i.message}`),
    );
  }
  return result.data;
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Converts a parsed amount to whole shillings, refusing real cents (Daraja deals in whole KES). */
export function wholeKes(what: string, field: string, value: number): number {
  if (!Number.isInteger(value)) throw new MalformedPayloadError(what, [`${field}: ${value} is not whole shillings`]);
  return value;
}

/** A required identifier that may arrive as a string or a number → non-empty string. */
export const idSchema = z
  .union([z.string(), z.number()])
  .transform((v) => String(v).trim())
  .pipe(z.string().min(1, "must not be empty"));
