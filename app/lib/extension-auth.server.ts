import { authenticate } from "~/shopify.server";

// Session-token authentication of the checkout / customer-account extension's requests. It lives
// here, not in the payments module, so business code stays free of the Shopify app framework: the
// routes authenticate and hand the use cases a plain shop domain.

export type ExtensionSurface = "checkout" | "customer-account";

export interface ExtensionCaller {
  shop: string;
  surface: ExtensionSurface;
  /**
   * Customer-account surface only: the signed-in customer (token `sub`). An order-status page only
   * ever shows the customer's own orders, so the use cases refuse any other order for this caller.
   */
  viewer?: { customerGid: string | null };
  /** Adds the CORS headers the extension's cross-origin fetch needs. */
  cors: (response: Response) => Response;
}

/** Throws the library's Responses itself: 204 for the OPTIONS preflight, 401 for a bad/missing token. */
export async function authenticateExtension(request: Request): Promise<ExtensionCaller> {
  const surface: ExtensionSurface =
    new URL(request.url).searchParams.get("surface") === "customer-account" ? "customer-account" : "checkout";
  const auth =
    surface === "customer-account"
      ? await authenticate.public.customerAccount(request)
      : await authenticate.public.checkout(request);
  const shop = shopFromDest(auth.sessionToken.dest);
  if (surface === "checkout") return { shop, surface, cors: auth.cors };
  return { shop, surface, cors: auth.cors, viewer: { customerGid: auth.sessionToken.sub ?? null } };
}

/** `dest` is "https://x.myshopify.com" in checkout tokens (bare in some others); normalise to the domain. */
export function shopFromDest(dest: string): string {
  return dest.replace(/^https?:\/\//, "").replace(/\/.*$/, "").toLowerCase();
}
