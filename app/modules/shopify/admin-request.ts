import { classifyAdminError, classifyGraphqlErrors, classifyHttpStatus } from "./errors";

/** The shape of `admin.graphql` from @shopify/shopify-app-remix (and of test doubles). */
export type AdminGraphql = (query: string, options?: { variables?: Record<string, unknown> }) => Promise<Response>;

/**
 * One Admin API call: the `data` of the answer, or a ShopifyRetryableError / ShopifyFinalError.
 * admin.graphql already throws for HTTP errors and top-level `errors`; the checks on the Response
 * cover other implementations of AdminGraphql (a plain fetch wrapper answers without throwing).
 */
export async function adminRequest<T>(graphql: AdminGraphql, document: string, variables: Record<string, unknown>): Promise<T> {
  let response: Response;
  let body: { data?: T; errors?: unknown; extensions?: any };
  try {
    response = await graphql(document, { variables });
    if (!response.ok) {
      throw classifyHttpStatus(response.status, response.headers.get("Retry-After"), await response.text().catch(() => ""));
    }
    body = await response.json();
  } catch (error) {
    throw classifyAdminError(error);
  }
  if (body.errors) throw classifyGraphqlErrors(body.errors, body.extensions);
  if (body.data === undefined || body.data === null) throw classifyGraphqlErrors([{ message: "answer without data" }]);
  return body.data;
}
