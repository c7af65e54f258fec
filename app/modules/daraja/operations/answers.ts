import { DarajaError } from "../errors";
import type { JsonObject } from "../core";

// Reading fields out of 2xx answers. A 2xx without the fields we need is an answer we cannot trust:
// `unknown-outcome` when the call may have moved money, otherwise retryable.

export function readString(
  body: JsonObject,
  keys: string[],
  opts: { required: boolean; unsafe: boolean; operation: string },
): string {
  for (const k of keys) {
    const v = body[k];
    if (v !== undefined && v !== null && v !== "") return String(v);
  }
  if (!opts.required) return "";
  throw new DarajaError({
    httpStatus: 200,
    errorMessage: `${opts.operation}: answer without ${keys[0]}: ${JSON.stringify(body).slice(0, 300)}`,
    kind: opts.unsafe ? "unknown-outcome" : "retryable",
  });
}

/** "0", 0, "00", "00000000": the sandbox has answered every one of these for success. */
export function isZeroCode(v: unknown): boolean {
  return v !== undefined && v !== null && /^0+$/.test(String(v).trim());
}

/** An acknowledgement whose ResponseCode is not zero: Daraja declined before acting. */
export function rejectedAck(body: JsonObject, operation: string): DarajaError {
  return new DarajaError({
    httpStatus: 200,
    errorCode: String(body.ResponseCode ?? ""),
    errorMessage: `${operation}: ${String(body.ResponseDescription ?? body.ResponseMessage ?? "request not accepted")}`,
    requestId: body.RequestID != null ? String(body.RequestID) : null,
    kind: "final",
  });
}
