import { AppError, type ErrorKind } from "../../lib/errors";

// Typed Daraja errors, all AppErrors (app/lib/errors.ts): callers branch on `kind`, never on text:
//   retryable       — safe to send again (with backoff);
//   final           — sending again cannot succeed (fix payload/config, or the answer is definitive);
//   unknown-outcome — the request may have been acted on (money may have moved): reconcile, never resend blindly.

export type DarajaErrorKind = ErrorKind;

export interface DarajaErrorFields {
  errorCode?: string | null;
  errorMessage: string;
  requestId?: string | null;
  httpStatus?: number | null;
  kind: DarajaErrorKind;
  retryAfterMs?: number | null;
}

export class DarajaError extends AppError {
  readonly errorCode: string | null;
  readonly errorMessage: string;
  readonly requestId: string | null;
  readonly httpStatus: number | null;

  constructor(fields: DarajaErrorFields, message?: string, options?: { cause?: unknown }) {
    super(message ?? describe(fields), { kind: fields.kind, retryAfterMs: fields.retryAfterMs, cause: options?.cause });
    this.name = "DarajaError";
    this.errorCode = fields.errorCode ?? null;
    this.errorMessage = fields.errorMessage;
    this.requestId = fields.requestId ?? null;
    this.httpStatus = fields.httpStatus ?? null;
  }
}

function describe(f: DarajaErrorFields): string {
  const parts = [f.errorCode, f.errorMessage].filter(Boolean).join(" ");
  return f.httpStatus ? `Daraja answered HTTP ${f.httpStatus}: ${parts}` : `Daraja: ${parts}`;
}

/** OAuth refused: wrong consumer key/secret, or keys from the other environment. Final. */
export class DarajaAuthError extends DarajaError {
  constructor(fields: Omit<DarajaErrorFields, "kind">) {
    super(
      { ...fields, kind: "final" },
      `Daraja refused the consumer key/secret (HTTP ${fields.httpStatus}): ${fields.errorMessage}`,
    );
    this.name = "DarajaAuthError";
  }
}

/** Nothing reached Daraja (connection refused, DNS…): always safe to retry. */
export class DarajaNetworkError extends DarajaError {
  constructor(errorMessage: string, options?: { cause?: unknown }) {
    super({ errorMessage, kind: "retryable" }, `Could not reach Daraja: ${errorMessage}`, options);
    this.name = "DarajaNetworkError";
  }
}

/**
 * The request was (or may have been) sent and no answer came. `unknown-outcome` for requests that move money
 * (STK Push, B2C, Reversal): the caller must reconcile (STK query / Transaction Status), not resend.
 */
export class DarajaTimeoutError extends DarajaError {
  constructor(errorMessage: string, kind: DarajaErrorKind, options?: { cause?: unknown }) {
    super({ errorMessage, kind }, `No answer from Daraja: ${errorMessage}`, options);
    this.name = "DarajaTimeoutError";
  }
}

/** Our own pre-flight check failed: nothing was sent. `field` names the offending input. */
export class DarajaRequestValidationError extends DarajaError {
  readonly field: string;
  constructor(field: string, message: string) {
    super({ errorCode: "VALIDATION", errorMessage: message, kind: "final" }, message);
    this.name = "DarajaRequestValidationError";
    this.field = field;
  }
}

/** A phone number we cannot turn into 2547…/2541…. The message is safe to show a shopper. */
export class InvalidPhoneNumberError extends DarajaRequestValidationError {
  readonly input: string;
  constructor(input: string, field = "phone") {
    super(field, `${input.trim() === "" ? "An empty value" : `"${input.trim()}"`} is not a Kenyan mobile number`);
    this.name = "InvalidPhoneNumberError";
    this.input = input;
  }
}

/** An inbound body (callback, result, Daraja answer) that does not have the documented shape. */
export class MalformedPayloadError extends Error {
  readonly issues: string[];
  constructor(what: string, issues: string[]) {
    super(`Malformed ${what}: ${issues.join("; ")}`);
    this.name = "MalformedPayloadError";
    this.issues = issues;
  }
}
