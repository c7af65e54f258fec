import { abstractFetch, setAbstractFetchFunc } from "@shopify/shopify-api/runtime";

// Local sandbox and tests: rewrite https://<shop>/admin/api/... to <origin>/<shop>/admin/api/...
// so the unchanged production path (unauthenticated.admin -> admin.graphql) talks to the
// Shopify Admin stand-in over real HTTP. Never enabled in production (see env.server.ts).
export function installAdminApiOrigin(origin: string) {
  const base = origin.replace(/\/$/, "");
  const original = abstractFetch;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the library types AbstractFetchFunc with any
  setAbstractFetchFunc(async (input: any, init?: any) => {
    const raw = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    const url = new URL(raw);
    if (url.pathname.startsWith("/admin/")) {
      return original(`${base}/${url.host}${url.pathname}${url.search}`, init);
    }
    return original(input, init);
  });
}
