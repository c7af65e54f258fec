import type { AdminGraphql } from "./admin-request";
import { ShopifyTimeoutError } from "./errors";

// Every Admin API call gets a time limit (SHOPIFY_ADMIN_TIMEOUT_MS): a call that hangs must not
// hold a job past its lock, where a second run could start beside it. A call that ran out of time
// is `unknown-outcome` (a mutation may still land), so callers re-read the order before writing again.

const operationOf = (document: string) => /\b(?:query|mutation)\s+(\w+)/.exec(document)?.[1] ?? "an Admin API call";

export function withAdminTimeout(graphql: AdminGraphql, timeoutMs: number): AdminGraphql {
  return (query, options) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ShopifyTimeoutError(timeoutMs, operationOf(query))), timeoutMs);
    });
    return Promise.race([graphql(query, options), timeout]).finally(() => clearTimeout(timer));
  };
}
