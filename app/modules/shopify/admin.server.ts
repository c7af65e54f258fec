import { env } from "~/lib/env.server";
import { unauthenticated } from "~/shopify.server";
import type { AdminGraphql } from "./admin-request";
import { withAdminTimeout } from "./admin-timeout";
import { classifyAdminError, ShopifyFinalError } from "./errors";

/**
 * The production path to a shop's Admin API outside a Shopify request (callbacks, jobs): the stored
 * offline session. In the sandbox and tests SHOPIFY_ADMIN_API_ORIGIN points the same path at the
 * stand-in. No session (app not installed) -> ShopifyFinalError NO_SESSION; a failed token refresh is
 * classified like any Admin call. Every call through it is limited to SHOPIFY_ADMIN_TIMEOUT_MS.
 */
export async function adminGraphqlForShop(shop: string): Promise<AdminGraphql> {
  try {
    const { admin } = await unauthenticated.admin(shop);
    return withAdminTimeout(admin.graphql as AdminGraphql, env().SHOPIFY_ADMIN_TIMEOUT_MS);
  } catch (error) {
    const classified = classifyAdminError(error);
    // Not a Shopify answer (e.g. the session database is down): let the caller's own policy see it.
    throw classified instanceof ShopifyFinalError && classified.code === "UNEXPECTED" ? error : classified;
  }
}
