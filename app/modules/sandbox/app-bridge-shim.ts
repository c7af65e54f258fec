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
    toast: {
      // Shown on the page for a few seconds, as App Bridge shows its toasts over the admin.
      show(message, opts) {
        console.info("[sandbox toast]", message);
        let host = document.getElementById("sandbox-toasts");
        if (!host) {
          host = document.createElement("div");
          host.id = "sandbox-toasts";
          host.setAttribute("role", "status");
          host.setAttribute("aria-live", "polite");
          document.body.appendChild(host);
        }
        const t = document.createElement("div");
        t.className = "sandbox-toast" + (opts && opts.isError ? " sandbox-toast-error" : "");
        t.textContent = message;
        host.appendChild(t);
        setTimeout(() => t.remove(), (opts && opts.duration) || 5000);
      },
    },
    saveBar: {
      show(id) { const el = document.getElementById(id); if (el && el.show) el.show(); },
      hide(id) { const el = document.getElementById(id); if (el && el.hide) el.hide(); },
      toggle(id) { const el = document.getElementById(id); if (el) (el.showing ? el.hide() : el.show()); },
      leaveConfirmation() { return Promise.resolve(); },
    },
    loading() {},
  };
  // <ui-save-bar>: App Bridge shows it over the admin's top bar; here it is a bar fixed at the top of
  // the page holding the element's own buttons (their clicks are the page's Save / Discard).
  if (!customElements.get("ui-save-bar")) {
    customElements.define("ui-save-bar", class extends HTMLElement {
      get showing() { return this.hasAttribute("data-showing"); }
      show() { if (!this.showing) { this.setAttribute("data-showing", ""); this.dispatchEvent(new Event("show")); } }
      hide() { if (this.showing) { this.removeAttribute("data-showing"); this.dispatchEvent(new Event("hide")); } }
    });
  }
  const style = document.createElement("style");
  style.textContent = "ui-nav-menu{display:flex;gap:20px;align-items:center;padding:10px 24px;background:#1a1a1a;font:14px/1.4 system-ui,sans-serif}" +
    "ui-nav-menu::before{content:'Sandbox admin';color:#b5b5b5;margin-right:8px}ui-nav-menu a{color:#fff;text-decoration:none}ui-nav-menu a:hover{text-decoration:underline}" +
    "ui-save-bar{display:none}ui-save-bar[data-showing]{display:flex;position:fixed;top:0;left:0;right:0;z-index:1000;gap:8px;justify-content:flex-end;align-items:center;padding:8px 24px;background:#1a1a1a;font:14px/1.4 system-ui,sans-serif}" +
    "ui-save-bar[data-showing]::before{content:'Unsaved changes';color:#fff;margin-right:auto}" +
    "ui-save-bar button{border:0;border-radius:8px;padding:6px 12px;font:600 13px system-ui,sans-serif;cursor:pointer;background:#e3e3e3;color:#1a1a1a}ui-save-bar button[variant=primary]{background:#fff}" +
    "#sandbox-toasts{position:fixed;bottom:24px;left:50%;transform:translateX(-50%);z-index:1001;display:flex;flex-direction:column;gap:8px;align-items:center}" +
    ".sandbox-toast{background:#1a1a1a;color:#fff;padding:10px 16px;border-radius:10px;font:14px system-ui,sans-serif}.sandbox-toast-error{background:#8e1f0b}";
  document.head.appendChild(style);
})();
`;
}
