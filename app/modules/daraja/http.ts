import { DarajaNetworkError, DarajaTimeoutError } from "./errors";

// One HTTP exchange with Daraja, with the failure modes told apart: "never left" (retryable) versus
// "sent, no answer" (unknown for money-moving calls). Node's global fetch keeps connections alive.

export interface HttpAnswer {
  status: number;
  body: unknown; // parsed JSON, or null when the body is not JSON
  text: string;
}

export interface HttpRequest {
  method: "GET" | "POST";
  url: string;
  headers: Record<string, string>;
  body?: unknown;
  timeoutMs: number;
  /** Moves money: a lost answer means "may have happened". */
  unsafe: boolean;
}

// Errors raised while connecting: the request never reached Daraja.
const CONNECT_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
  "CERT_HAS_EXPIRED",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
]);

function causeCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let i = 0; i < 4 && e && typeof e === "object"; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

export async function exchange(fetchFn: typeof fetch, req: HttpRequest): Promise<HttpAnswer> {
  const signal = AbortSignal.timeout(req.timeoutMs);
  try {
    const response = await fetchFn(req.url, {
      method: req.method,
      headers: req.headers,
      body: req.body === undefined ? undefined : JSON.stringify(req.body),
      signal,
    });
    const text = await response.text();
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = null; // gateways answer HTML/plain text on some failures; callers use `text`
    }
    return { status: response.status, body, text };
  } catch (err) {
    const name = (err as { name?: string })?.name;
    if (name === "TimeoutError" || name === "AbortError" || signal.aborted) {
      throw new DarajaTimeoutError(
        `no answer within ${req.timeoutMs} ms`,
        req.unsafe ? "unknown-outcome" : "retryable",
        {
          cause: err,
        },
      );
    }
    const code = causeCode(err);
    if (code && CONNECT_CODES.has(code)) throw new DarajaNetworkError(code, { cause: err });
    // Reset/closed after the request may have been written: we cannot know whether Daraja acted.
    const message = code ?? (err as Error)?.message ?? String(err);
    throw new DarajaTimeoutError(`connection lost (${message})`, req.unsafe ? "unknown-outcome" : "retryable", {
      cause: err,
    });
  }
}
