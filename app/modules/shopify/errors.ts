import {
  GraphqlQueryError,
  HttpMaxRetriesError,
  HttpRequestError,
  HttpResponseError,
  HttpThrottlingError,
} from "@shopify/shopify-api";
import { AppError } from "~/lib/errors";
import { parseRetryAfter } from "~/lib/retry";

// The one place that decides the kind (app/lib/errors.ts) of a failed Admin API call.
//   ShopifyRetryableError: HTTP 429, 5xx, THROTTLED, network failure, "temporarily unavailable".
//   ShopifyTimeoutError:   no answer within SHOPIFY_ADMIN_TIMEOUT_MS — unknown-outcome (a mutation
//                          may have landed: the caller re-reads the order before writing again).
//   ShopifyFinalError:     anything else (bad document, 401/403/404, refused by business rules, no session).
// The retry rule (app/lib/retry.ts) owns the backoff; `retryAfterMs` is the delay Shopify asked for, if any.

export class ShopifyRetryableError extends AppError {
  readonly httpStatus: number | null;
  constructor(
    message: string,
    opts: { retryAfterMs?: number | null; httpStatus?: number | null; cause?: unknown } = {},
  ) {
    super(message, { kind: "retryable", retryAfterMs: opts.retryAfterMs, cause: opts.cause });
    this.name = "ShopifyRetryableError";
    this.httpStatus = opts.httpStatus ?? null;
  }
}

export class ShopifyTimeoutError extends AppError {
  readonly httpStatus = null;
  constructor(ms: number, operation: string) {
    super(`Shopify did not answer ${operation} within ${ms} ms`, { kind: "unknown-outcome" });
    this.name = "ShopifyTimeoutError";
  }
}

export interface ShopifyUserError {
  field?: string[] | null;
  message: string;
  code?: string | null;
}

export class ShopifyFinalError extends AppError {
  /** e.g. ORDER_NOT_FOUND, ORDER_CANCELLED, USER_ERRORS, GRAPHQL_ERRORS, HTTP_401, NO_SESSION */
  readonly code: string;
  readonly userErrors: ShopifyUserError[];
  readonly httpStatus: number | null;
  constructor(
    code: string,
    message: string,
    opts: { userErrors?: ShopifyUserError[]; httpStatus?: number | null; cause?: unknown } = {},
  ) {
    super(message, { kind: "final", cause: opts.cause });
    this.name = "ShopifyFinalError";
    this.code = code;
    this.userErrors = opts.userErrors ?? [];
    this.httpStatus = opts.httpStatus ?? null;
  }
}

export type ShopifyError = ShopifyRetryableError | ShopifyFinalError | ShopifyTimeoutError;

interface GraphqlErrorLike {
  message?: string;
  extensions?: { code?: string };
}
interface CostExtension {
  cost?: { requestedQueryCost?: number; throttleStatus?: { currentlyAvailable?: number; restoreRate?: number } };
}

/** Time until the leaky bucket holds enough points for this query again (Shopify's documented rule). */
export function throttleDelayMs(extensions: CostExtension | undefined): number | null {
  const cost = extensions?.cost;
  const status = cost?.throttleStatus;
  if (!cost?.requestedQueryCost || !status?.restoreRate) return null;
  const missing = cost.requestedQueryCost - (status.currentlyAvailable ?? 0);
  return Math.max(1000, Math.ceil((Math.max(0, missing) / status.restoreRate) * 1000));
}

const RETRYABLE_GRAPHQL_CODES = new Set(["THROTTLED", "INTERNAL_SERVER_ERROR", "SERVICE_UNAVAILABLE"]);

/** Top-level `errors` of a 200 answer (admin.graphql throws these as GraphqlQueryError). */
export function classifyGraphqlErrors(errors: unknown, extensions?: CostExtension): ShopifyError {
  const list: GraphqlErrorLike[] = Array.isArray(errors) ? errors : [{ message: String(errors) }];
  const codes = list.map((e) => e.extensions?.code).filter(Boolean) as string[];
  const message = list.map((e) => e.message).join("; ") || "GraphQL errors";
  if (codes.includes("THROTTLED")) {
    return new ShopifyRetryableError(`Shopify throttled the request: ${message}`, {
      retryAfterMs: throttleDelayMs(extensions),
      httpStatus: 200,
    });
  }
  if (codes.some((c) => RETRYABLE_GRAPHQL_CODES.has(c)))
    return new ShopifyRetryableError(`Shopify error: ${message}`, { httpStatus: 200 });
  return new ShopifyFinalError("GRAPHQL_ERRORS", `Shopify rejected the request: ${message}`, { httpStatus: 200 });
}

export function classifyHttpStatus(
  status: number,
  retryAfter: string | null | undefined,
  detail: string,
  cause?: unknown,
): ShopifyError {
  if (status === 429 || status >= 500) {
    return new ShopifyRetryableError(`Shopify answered HTTP ${status}${detail ? `: ${detail}` : ""}`, {
      httpStatus: status,
      retryAfterMs: parseRetryAfter(retryAfter),
      cause,
    });
  }
  return new ShopifyFinalError(`HTTP_${status}`, `Shopify answered HTTP ${status}${detail ? `: ${detail}` : ""}`, {
    httpStatus: status,
    cause,
  });
}

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
]);

function isNetworkError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === "AbortError" || error.name === "TimeoutError") return true;
  const code = (error as { code?: string }).code ?? (error.cause as { code?: string } | undefined)?.code;
  return (error instanceof TypeError && /fetch failed/i.test(error.message)) || (!!code && NETWORK_CODES.has(code));
}

const headerValue = (headers: Record<string, unknown> | undefined, name: string): string | undefined => {
  const entry = Object.entries(headers ?? {}).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
  return Array.isArray(entry) ? String(entry[0]) : entry === undefined ? undefined : String(entry);
};

/**
 * Whatever `admin.graphql` (or the session lookup behind it) threw, as one of our two classes.
 * - @shopify/shopify-api: GraphqlQueryError (200 + errors, incl. THROTTLED), HttpThrottlingError (429),
 *   HttpInternalError (5xx), HttpResponseError (other 4xx), HttpMaxRetriesError, HttpRequestError (no response).
 * - authenticate.admin's client turns HttpResponseError into a thrown `Response` with the same status.
 */
export function classifyAdminError(error: unknown): ShopifyError {
  if (
    error instanceof ShopifyRetryableError ||
    error instanceof ShopifyFinalError ||
    error instanceof ShopifyTimeoutError
  )
    return error;
  if (error instanceof GraphqlQueryError) {
    const body = error.body as { errors?: { graphQLErrors?: unknown[] }; extensions?: CostExtension } | undefined;
    return classifyGraphqlErrors(body?.errors?.graphQLErrors ?? [{ message: error.message }], body?.extensions);
  }
  if (error instanceof HttpThrottlingError) {
    const seconds = (error.response as { retryAfter?: number }).retryAfter;
    return new ShopifyRetryableError(`Shopify answered HTTP 429`, {
      httpStatus: 429,
      retryAfterMs: typeof seconds === "number" && Number.isFinite(seconds) ? Math.round(seconds * 1000) : null,
      cause: error,
    });
  }
  if (error instanceof HttpResponseError) {
    const { code, statusText, headers } = error.response;
    return classifyHttpStatus(code, headerValue(headers as Record<string, unknown>, "Retry-After"), statusText, error);
  }
  if (error instanceof HttpMaxRetriesError) return new ShopifyRetryableError(error.message, { cause: error });
  if (error instanceof HttpRequestError || isNetworkError(error)) {
    return new ShopifyRetryableError(`Could not reach Shopify: ${(error as Error).message}`, { cause: error });
  }
  if (error instanceof Response)
    return classifyHttpStatus(error.status, error.headers.get("Retry-After"), error.statusText, error);
  // shopify-app-remix's SessionNotFoundError (no offline session: app not installed). Matched by class
  // name so this module does not import the Remix package.
  if (error instanceof Error && error.constructor.name === "SessionNotFoundError") {
    return new ShopifyFinalError("NO_SESSION", error.message, { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new ShopifyFinalError("UNEXPECTED", `Admin API call failed: ${message}`, { cause: error });
}
