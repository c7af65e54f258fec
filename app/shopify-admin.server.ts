import { env } from "~/lib/env.server";
import { unauthenticated } from "~/shopify.server";
import { createAdminPacer, type AdminPacer } from "./modules/shopify/admin-pacing.server";
import type { AdminGraphql } from "./modules/shopify/admin-request";
import { withAdminTimeout } from "./modules/shopify/admin-timeout";
import { classifyAdminError, ShopifyFinalError } from "./modules/shopify/errors";

let pacer: Promise<AdminPacer> | undefined;

function adminPacer(): Promise<AdminPacer> {
  pacer ??= import("~/db.server").then(({ default: db }) =>
    createAdminPacer(db, {
      maxWaitMs: env().SHOPIFY_PACE_MAX_WAIT_MS,
      maxWaitInFlightMs: env().SHOPIFY_PACE_MAX_WAIT_IN_FLIGHT_MS,
    }),
  );
  return pacer;
}

/**
 * The production path to a shop's Admin API outside a Shopify request (callbacks, jobs): the stored
 * offline session. In the sandbox and tests SHOPIFY_ADMIN_API_ORIGIN points the same path at the
 * stand-in. No session (app not installed) -> ShopifyFinalError NO_SESSION; a failed token refresh is
 * classified like any Admin call. Every call through it is limited to SHOPIFY_ADMIN_TIMEOUT_MS. Each
 * call returns one unit of work's client, paced per shop from the bucket every instance shares
 * (admin-pacing.server.ts): its first call may answer ShopifyRetryableError with the delay until the
 * shop's turn instead of being sent.
 */
export async function adminGraphqlForShop(shop: string): Promise<AdminGraphql> {
  let graphql: AdminGraphql;
  try {
    const { admin } = await unauthenticated.admin(shop);
    graphql = withAdminTimeout(admin.graphql as AdminGraphql, env().SHOPIFY_ADMIN_TIMEOUT_MS);
  } catch (error) {
    const classified = classifyAdminError(error);
    // Not a Shopify answer (e.g. the session database is down): let the caller's own policy see it.
    throw classified instanceof ShopifyFinalError && classified.code === "UNEXPECTED" ? error : classified;
  }
  return (await adminPacer()).pace(shop, graphql);
}
