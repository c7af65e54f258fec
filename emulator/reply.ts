// What a handler answers: an HTTP status and a JSON body (or raw text for gateway-style failures).
export type Reply = { status: number; body: unknown; contentType?: string; headers?: Record<string, string> };

export const ok = (body: unknown): Reply => ({ status: 200, body });

/** Daraja's synchronous error envelope: { requestId, errorCode, errorMessage }. */
export function errorEnvelope(status: number, requestId: string, errorCode: string, errorMessage: string): Reply {
  return { status, body: { requestId, errorCode, errorMessage } };
}

/** Thrown anywhere in a handler to answer with a specific envelope. */
export class DarajaFailure extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    readonly errorMessage: string,
    readonly requestId?: string,
  ) {
    super(errorMessage);
  }
}

/** A refusal by the API gateway itself, in its own envelope (not Daraja's { requestId, errorCode, … }). */
export class GatewayFault extends DarajaFailure {
  constructor(
    status: number,
    readonly body: unknown,
  ) {
    super(status, "", JSON.stringify(body));
  }
}

// The codes in one place, as the reference (§0, §1, §2.1, §6.1) lists them.
export const Codes = {
  invalidField: (field: string) => new DarajaFailure(400, "400.002.02", `Bad Request - Invalid ${field}`),
  invalidPayload: () => new DarajaFailure(400, "400.002.05", "Invalid Request Payload"),
  notFound: () => new DarajaFailure(404, "404.001.01", "Resource not found"),
  methodNotAllowed: () => new DarajaFailure(405, "405.001", "Method Not Allowed"),
  spikeArrest: () => new DarajaFailure(500, "500.003.02", "Error Occurred: Spike Arrest Violation"),
  internal: () => new DarajaFailure(500, "500.003.1001", "Internal Server Error"),
  merchantMissing: () => new DarajaFailure(500, "500.001.1001", "Merchant does not exist"),
  wrongCredentials: () => new DarajaFailure(500, "500.001.1001", "[MerchantValidate] - Wrong credentials"),
  subscriberLocked: () =>
    new DarajaFailure(
      500,
      "500.001.1001",
      "Unable to lock subscriber, a transaction is already in process for the current subscriber",
    ),
  duplicateOriginator: () => new DarajaFailure(500, "500.002.1001", "Duplicate OriginatorConversationID"),
  bannedUrlWord: (field: string, word: string) =>
    new DarajaFailure(400, "400.003.02", `Bad Request - Invalid ${field} - URL has the word ${word.toUpperCase()}`),
};
