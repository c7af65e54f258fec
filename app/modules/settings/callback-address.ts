// Can Daraja deliver payment results to this app's callback address? (docs/DARAJA.md §10.1: callbacks
// never arrive when the URL is not public, is HTTP in production, or goes through a blocked tunnel.)
// Checked from the address alone, in development too: there it says what will fail in production.

export type CallbackAddressProblem = {
  kind: "invalid" | "not_https" | "not_public" | "tunnel";
  message: string;
};

const TUNNEL_SUFFIXES = [".ngrok.io", ".ngrok-free.app", ".ngrok.app", ".trycloudflare.com", ".loca.lt", ".serveo.net"];

/** Loopback, private, link-local or otherwise unroutable from the internet. */
export function isNonPublicHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (host === "localhost" || host.endsWith(".localhost") || host.endsWith(".local") || host.endsWith(".internal"))
    return true;
  if (!host.includes(".") && !host.includes(":")) return true; // a single-label name ("app", "web")
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    return (
      a === 0 ||
      a === 10 ||
      a === 127 ||
      (a === 100 && b >= 64 && b <= 127) || // carrier-grade NAT
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168)
    );
  }
  if (host.includes(":")) {
    return (
      host === "::1" || host === "::" || /^f[cd]/.test(host) || /^fe[89ab]/.test(host) || host.startsWith("::ffff:127.")
    );
  }
  return false;
}

export function callbackAddressProblem(baseUrl: string, where: { production: boolean }): CallbackAddressProblem | null {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    return {
      kind: "invalid",
      message: `The callback address "${baseUrl}" is not a URL: no payment result can reach the app. Set CALLBACK_BASE_URL (or SHOPIFY_APP_URL) to the app's public HTTPS address.`,
    };
  }
  const origin = url.origin;
  const fix = "Set CALLBACK_BASE_URL (or SHOPIFY_APP_URL) to the app's public HTTPS address.";
  const lost =
    "every payment result would be lost: payments would be confirmed only by asking Daraja, later, and an unanswered one ends in review";
  if (isNonPublicHost(url.hostname)) {
    return {
      kind: "not_public",
      message: where.production
        ? `Daraja cannot reach ${origin} from the internet (a local or private address): ${lost}. ${fix}`
        : `${origin} is a local or private address. That works with the local Daraja emulator, but in production Daraja cannot reach it: ${lost}. ${fix}`,
    };
  }
  if (url.protocol !== "https:") {
    return {
      kind: "not_https",
      message: where.production
        ? `${origin} is not HTTPS, and production Daraja only calls HTTPS addresses: ${lost}. ${fix}`
        : `${origin} is not HTTPS. Daraja's sandbox may accept it, but production Daraja only calls HTTPS addresses: ${lost}. ${fix}`,
    };
  }
  if (TUNNEL_SUFFIXES.some((s) => url.hostname.endsWith(s))) {
    return {
      kind: "tunnel",
      message: `${origin} is a tunnel. Fine for trying the Daraja sandbox, but Safaricom often blocks tunnels in production: serve the app at its own domain before going live.`,
    };
  }
  return null;
}
