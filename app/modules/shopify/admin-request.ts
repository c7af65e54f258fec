import { observeThrottleWait, timeAdminRequest, type AdminOutcome } from "~/lib/metrics.server";
import { classifyAdminError, classifyGraphqlErrors, classifyHttpStatus, ShopifyRetryableError } from "./errors";

/** The shape of `admin.graphql` from @shopify/shopify-app-remix (and of test doubles). */
export type AdminGraphql = (query: string, options?: { variables?: Record<string, unknown> }) => Promise<Response>;

/**
 * One Admin API call: the `data` of the answer, or a ShopifyRetryableError / ShopifyFinalError.
 * admin.graphql already throws for HTTP errors and top-level `errors`; the checks on the Response
 * cover other implementations of AdminGraphql (a plain fetch wrapper answers without throwing).
 */
export function adminRequest<T>(
  graphql: AdminGraphql,
  document: string,
  variables: Record<string, unknown>,
): Promise<T> {
  return timeAdminRequest(() => send<T>(graphql, document, variables), metricsOutcome);
}

async function send<T>(graphql: AdminGraphql, document: string, variables: Record<string, unknown>): Promise<T> {
  let response: Response;
  let body: { data?: T; errors?: unknown; extensions?: Parameters<typeof classifyGraphqlErrors>[1] };
  try {
    response = await graphql(document, { variables });
    if (!response.ok) {
      throw classifyHttpStatus(
        response.status,
        response.headers.get("Retry-After"),
        await response.text().catch(() => ""),
      );
    }
    body = await response.json();
  } catch (error) {
    throw classifyAdminError(error);
  }
  if (body.errors) throw classifyGraphqlErrors(body.errors, body.extensions);
  if (body.data === undefined || body.data === null) throw classifyGraphqlErrors([{ message: "answer without data" }]);
  return body.data;
}

/** For the Admin latency metric; a throttle's requested wait is recorded as a throttle wait. */
function metricsOutcome(error: unknown): AdminOutcome {
  if (!(error instanceof ShopifyRetryableError)) return "final";
  if (!/throttl/i.test(error.message) && error.httpStatus !== 429) return "retryable";
  if (error.retryAfterMs !== null) observeThrottleWait("shopify", error.retryAfterMs);
  return "throttled";
}
