import {
  GraphqlQueryError,
  HttpInternalError,
  HttpRequestError,
  HttpResponseError,
  HttpThrottlingError,
} from "@shopify/shopify-api";
import { describe, expect, it } from "vitest";
import { adminRequest } from "~/modules/shopify/admin-request";
import { classifyAdminError, ShopifyFinalError, ShopifyRetryableError } from "~/modules/shopify/errors";

// The one retry rule for Admin API calls, fed with exactly what @shopify/shopify-api and
// shopify-app-remix throw (classes from node_modules, constructed the way their clients do).

const http = (code: number, headers: Record<string, string[]> = {}) => ({
  message: "x",
  code,
  statusText: "S",
  body: {},
  headers,
});
const gqlError = (errors: unknown[], extensions?: unknown) =>
  new GraphqlQueryError({
    message: "m",
    response: {},
    headers: {},
    body: { errors: { graphQLErrors: errors }, extensions } as any,
  });

describe("classifyAdminError", () => {
  it("retries THROTTLED after the time the bucket needs to refill", () => {
    const error = classifyAdminError(
      gqlError([{ message: "Throttled", extensions: { code: "THROTTLED" } }], {
        cost: {
          requestedQueryCost: 500,
          throttleStatus: { maximumAvailable: 2000, currentlyAvailable: 100, restoreRate: 100 },
        },
      }),
    );
    expect(error).toBeInstanceOf(ShopifyRetryableError);
    expect((error as ShopifyRetryableError).retryAfterMs).toBe(4000);
  });

  it("treats other GraphQL errors as final", () => {
    const error = classifyAdminError(
      gqlError([{ message: "Field 'x' doesn't exist", extensions: { code: "undefinedField" } }]),
    );
    expect(error).toMatchObject({ name: "ShopifyFinalError", code: "GRAPHQL_ERRORS" });
  });

  it("retries 429 (honouring Retry-After), 5xx and network failures", () => {
    expect(classifyAdminError(new HttpThrottlingError({ ...http(429), retryAfter: 2.5 }))).toMatchObject({
      name: "ShopifyRetryableError",
      retryAfterMs: 2500,
    });
    expect(classifyAdminError(new HttpInternalError(http(503, { "Retry-After": ["7"] })))).toMatchObject({
      name: "ShopifyRetryableError",
      httpStatus: 503,
      retryAfterMs: 7000,
    });
    expect(
      classifyAdminError(new HttpRequestError("Http request error, no response available: fetch failed")),
    ).toBeInstanceOf(ShopifyRetryableError);
    const refused = new TypeError("fetch failed", {
      cause: Object.assign(new Error("connect"), { code: "ECONNREFUSED" }),
    });
    expect(classifyAdminError(refused)).toBeInstanceOf(ShopifyRetryableError);
  });

  it("treats 4xx as final", () => {
    expect(classifyAdminError(new HttpResponseError(http(403)))).toMatchObject({
      name: "ShopifyFinalError",
      code: "HTTP_403",
    });
    expect(classifyAdminError(new HttpResponseError(http(404)))).toBeInstanceOf(ShopifyFinalError);
  });

  it("classifies the Response that authenticate.admin's client throws instead of HttpResponseError", () => {
    expect(classifyAdminError(new Response("{}", { status: 429, headers: { "Retry-After": "3" } }))).toMatchObject({
      name: "ShopifyRetryableError",
      retryAfterMs: 3000,
    });
    expect(classifyAdminError(new Response("{}", { status: 401 }))).toMatchObject({
      name: "ShopifyFinalError",
      code: "HTTP_401",
    });
  });

  it("maps a missing offline session to NO_SESSION", () => {
    class SessionNotFoundError extends Error {}
    expect(classifyAdminError(new SessionNotFoundError("no session"))).toMatchObject({ code: "NO_SESSION" });
  });
});

describe("adminRequest with a graphql function that answers instead of throwing", () => {
  const answering =
    (status: number, body: unknown, headers: Record<string, string> = {}) =>
    async () =>
      new Response(JSON.stringify(body), { status, headers });

  it("classifies HTTP status and top-level errors", async () => {
    await expect(
      adminRequest(answering(503, {}, { "Retry-After": "1" }), "query Q { shop { id } }", {}),
    ).rejects.toMatchObject({
      name: "ShopifyRetryableError",
      retryAfterMs: 1000,
    });
    await expect(
      adminRequest(answering(200, { errors: [{ message: "Throttled", extensions: { code: "THROTTLED" } }] }), "q", {}),
    ).rejects.toBeInstanceOf(ShopifyRetryableError);
    await expect(adminRequest(answering(200, { data: { shop: { id: "1" } } }), "q", {})).resolves.toEqual({
      shop: { id: "1" },
    });
  });
});
