// A stand-in for Shopify's App Bridge script (cdn.shopify.com/shopifycloud/app-bridge.js, which cannot
// load offline), served in sandbox mode only so the merchant's embedded pages work outside the
// Shopify admin. It does the part of App Bridge those pages rely on: same-origin fetches (Remix data
// loads and form posts) carry `Authorization: Bearer <id_token>`, and `shopify.idToken()` hands out
// a fresh one; ui-nav-menu becomes a plain top bar. Tokens come from /sandbox/id-token.

export function appBridgeShimScript(initial: {
  token: string;
  ttlSeconds: number;
  apiKey: string;
  shop: string;
}): string {
  return `(() => {
  "use strict";
  const tokenUrl = "/sandbox/id-token";
  const nativeFetch = window.fetch.bind(window);
  let token = ${JSON.stringify(initial.token)};
  let expiresAt = Date.now() + ${initial.ttlSeconds * 1000};
  async function idToken() {
    if (Date.now() < expiresAt - 60000) return token;
    const res = await nativeFetch(tokenUrl, { cache: "no-store" });
    const body = await res.json();
    token = body.token;
    expiresAt = Date.now() + body.ttlSeconds * 1000;
    return token;
  }
  window.fetch = async (input, init) => {
    const url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url, location.href);
    if (url.origin !== location.origin || url.pathname === tokenUrl) return nativeFetch(input, init);
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    if (!headers.has("Authorization")) headers.set("Authorization", "Bearer " + (await idToken()));
    return nativeFetch(input, { ...init, headers });
  };
  window.shopify = {
    config: { apiKey: ${JSON.stringify(initial.apiKey)}, shop: ${JSON.stringify(initial.shop)}, locale: "en" },
    idToken,
    toast: { show(message) { console.info("[sandbox toast]", message); } },
    loading() {},
  };
  const style = document.createElement("style");
  style.textContent = "ui-nav-menu{display:flex;gap:20px;align-items:center;padding:10px 24px;background:#1a1a1a;font:14px/1.4 system-ui,sans-serif}" +
    "ui-nav-menu::before{content:'Sandbox admin';color:#b5b5b5;margin-right:8px}ui-nav-menu a{color:#fff;text-decoration:none}ui-nav-menu a:hover{text-decoration:underline}";
  document.head.appendChild(style);
})();
`;
}
