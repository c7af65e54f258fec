import { isIP } from "node:net";

// Can Safaricom reach this app's callback address? Daraja calls only public HTTPS addresses: a
// plain-http, loopback, private-network or single-label host is never called in production, so STK
// callbacks, C2B confirmations and initiator results (refunds, balances) would never arrive. In
// development (Daraja sandbox, the emulator) such an address works locally; the page then says what
// will fail once the account goes to production, instead of staying silent until then.

export type CallbackReachability = {
  /** The address Daraja is given (CALLBACK_BASE_URL, else SHOPIFY_APP_URL). */
  baseUrl: string;
  /** Why Safaricom's production servers could not call it; empty when they can. */
  problems: string[];
  /** What would fail in production because of these problems (empty when none). */
  consequence: string;
};

function privateIpv4(host: string): boolean {
  const [a, b] = host.split(".").map(Number);
  return (
    a === 10 ||
    a === 127 ||
    a === 0 ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 169 && b === 254) ||
    (a === 100 && b >= 64 && b <= 127)
  );
}

export function callbackReachability(baseUrl: string): CallbackReachability {
  const problems: string[] = [];
  let url: URL | null = null;
  try {
    url = new URL(baseUrl);
  } catch {
    problems.push(`it is not a valid address`);
  }
  if (url) {
    if (url.protocol !== "https:") problems.push("it is not HTTPS (production Daraja calls only https:// addresses)");
    const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
    const ip = isIP(host);
    if (host === "localhost" || host.endsWith(".localhost") || host.endsWith(".local") || host.endsWith(".internal")) {
      problems.push(`its host ${host} exists only on your own machine or network`);
    } else if (ip === 4 && privateIpv4(host)) {
      problems.push(`its host ${host} is a private or loopback IP address, not reachable from the internet`);
    } else if (ip === 6 && (host === "::1" || /^f[cd]/.test(host) || host.startsWith("fe80"))) {
      problems.push(`its host ${host} is a private or loopback IPv6 address, not reachable from the internet`);
    } else if (!ip && !host.includes(".")) {
      problems.push(`its host ${host} is not a public domain name`);
    }
    if (/(^|\.)(ngrok(-free)?\.(io|app|dev)|trycloudflare\.com|loca\.lt|localtunnel\.me)$/.test(host)) {
      problems.push(`${host} is a tunnel address, which Safaricom usually blocks in production`);
    }
    if (url.port && url.port !== "443" && url.protocol === "https:") {
      problems.push(
        `it uses port ${url.port}; developers report that only the standard port 443 works (unconfirmed): use 443`,
      );
    }
  }
  return {
    baseUrl,
    problems,
    consequence:
      problems.length === 0
        ? ""
        : "With a production account, Daraja could not deliver payment results here: prompts would still be sent, but paid orders would be marked paid only when the app queries the payment's status (minutes later), paybill/till payments from the M-PESA menu would never arrive, C2B URL registration would be refused, and refund and balance results would be lost. Serve the app (or set CALLBACK_BASE_URL) at a public https:// address.",
  };
}
