import { env } from "./env.server";

// The client address a request came from. `remoteAddress` is the socket peer (server.mjs puts it in
// the load context). Behind N trusted reverse proxies each proxy appends the address it saw to
// X-Forwarded-For, so the client is the N-th entry from the right; anything further left was written
// by the client itself and proves nothing. With 0 hops the header is ignored entirely.

export function clientIp(
  request: Request,
  remoteAddress: string | null | undefined,
  trustedHops: number = env().TRUSTED_PROXY_HOPS,
): string | null {
  const peer = normalizeIp(remoteAddress);
  if (trustedHops <= 0) return peer;
  const chain = (request.headers.get("x-forwarded-for") ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (chain.length === 0) return peer;
  return normalizeIp(chain[Math.max(0, chain.length - trustedHops)]);
}

/** "::ffff:1.2.3.4" (IPv4-mapped IPv6, as Node reports IPv4 peers on dual-stack sockets) -> "1.2.3.4". */
export function normalizeIp(ip: string | null | undefined): string | null {
  if (!ip) return null;
  const v = ip.trim();
  return v.startsWith("::ffff:") && v.includes(".") ? v.slice(7) : v;
}

/** The remote address from a Remix load context (see server.mjs getLoadContext). */
export function remoteAddressOf(context: unknown): string | null {
  const value = (context as { remoteAddress?: unknown } | undefined)?.remoteAddress;
  return typeof value === "string" ? value : null;
}
