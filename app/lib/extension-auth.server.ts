import { authenticate } from "~/shopify.server";

// Session-token authentication of the checkout / customer-account extension's requests. It lives
// here, not in the payments module, so business code stays free of the Shopify app framework: the
// routes authenticate and hand the use cases plain values.
//
// Which page the caller says it is on decides nothing. Checkout and customer-account tokens are
// verified the same way (shopify-app-remix builds both authenticators from one factory: HS256 with the
// app secret, audience unchecked), so a `?surface=` parameter would only let a caller choose whether
// the ownership check runs. The token's own claims decide: a `sub` (the signed-in customer, present
// on the order-status page and for logged-in buyers at checkout) always binds the order to that customer.

export interface ExtensionCaller {
  shop: string;
  /** The customer the token names (`sub`), as a Customer GID; absent for a guest checkout. */
  customerGid?: string;
  /** The token's `sid` (the extension's session), when it has one: the status poll is limited per session. */
  sessionId?: string;
  /** Adds the CORS headers the extension's cross-origin fetch needs. */
  cors: (response: Response) => Response;
}

/** Throws the library's Responses itself: 204 for the OPTIONS preflight, 401 for a bad/missing token. */
export async function authenticateExtension(request: Request): Promise<ExtensionCaller> {
  const auth = await authenticate.public.checkout(request);
  const { dest, sub, sid } = auth.sessionToken as { dest: string; sub?: unknown; sid?: unknown };
  const customerGid = customerGidOf(sub);
  return {
    shop: shopFromDest(dest),
    ...(customerGid ? { customerGid } : {}),
    ...(typeof sid === "string" && sid ? { sessionId: sid } : {}),
    cors: auth.cors,
  };
}

/** `dest` is "https://x.myshopify.com" in checkout tokens (bare in some others); normalise to the domain. */
export function shopFromDest(dest: string): string {
  return dest
    .replace(/^https?:\/\//, "")
    .replace(/\/.*$/, "")
    .toLowerCase();
}

/**
 * The customer a token's `sub` names. Shopify sends a Customer GID; bare digits are read as a customer
 * id. Anything else is kept as it is, so it matches no order's customer (fails closed, never skipped).
 */
export function customerGidOf(sub: unknown): string | undefined {
  if (typeof sub !== "string" || !sub.trim()) return undefined;
  const value = sub.trim();
  return /^\d+$/.test(value) ? `gid://shopify/Customer/${value}` : value;
}
