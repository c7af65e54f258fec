import { randomUUID } from "node:crypto";
import { SignJWT } from "jose";

// Session tokens the sandbox signs itself, in sandbox mode only, so the sandbox page and the
// embedded pages go through the same token checks as in a real shop (authenticate.public.checkout
// and authenticate.admin both verify HS256 with the app secret). The claims follow Shopify's tokens.

export type TokenKeys = { apiKey: string; apiSecret: string };
type SignOptions = { shop: string; sub?: string; ttlSeconds?: number; now?: () => number };

async function sign(keys: TokenKeys, claims: Record<string, unknown>, ttlSeconds: number, now: () => number) {
  const iat = Math.floor(now() / 1000);
  return new SignJWT({ ...claims, aud: keys.apiKey, jti: randomUUID() })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setExpirationTime(iat + ttlSeconds)
    .sign(new TextEncoder().encode(keys.apiSecret));
}

/** What a checkout UI extension's `shopify.sessionToken.get()` returns (Shopify's TTL: 5 minutes). */
export function signCheckoutSessionToken(keys: TokenKeys, opts: SignOptions): Promise<string> {
  const claims: Record<string, unknown> = { iss: `https://${opts.shop}/checkouts`, dest: `https://${opts.shop}` };
  if (opts.sub) claims.sub = opts.sub;
  return sign(keys, claims, opts.ttlSeconds ?? 300, opts.now ?? Date.now);
}

/** Shopify's expire after a minute; the sandbox's App Bridge stand-in refreshes them less often. */
export const ADMIN_ID_TOKEN_TTL_SECONDS = 3600;

/** The `id_token` App Bridge gives an embedded page (and puts in the URL of its first load). */
export function signAdminIdToken(keys: TokenKeys, opts: SignOptions & { sessionId?: string }): Promise<string> {
  return sign(
    keys,
    {
      iss: `https://${opts.shop}/admin`,
      dest: `https://${opts.shop}`,
      sub: opts.sub ?? "1",
      sid: opts.sessionId ?? randomUUID(),
    },
    opts.ttlSeconds ?? ADMIN_ID_TOKEN_TTL_SECONDS,
    opts.now ?? Date.now,
  );
}

/** The `host` query parameter Shopify adds to embedded app URLs: base64 of the admin's address. */
export function embeddedHostParam(shop: string): string {
  return Buffer.from(`admin.shopify.com/store/${shop.replace(/\.myshopify\.com$/, "")}`).toString("base64url");
}

/** `/app?embedded=1&shop=…&host=…&id_token=…`: an embedded page opened as the Shopify admin would. */
export async function embeddedAppUrl(keys: TokenKeys, shop: string, path = "/app"): Promise<string> {
  const params = new URLSearchParams({
    embedded: "1",
    shop,
    host: embeddedHostParam(shop),
    id_token: await signAdminIdToken(keys, { shop }),
  });
  return `${path}?${params}`;
}
