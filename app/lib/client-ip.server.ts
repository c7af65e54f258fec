import type { IncomingMessage } from "node:http";
import proxyAddr from "proxy-addr";
import { env, trustedProxyList, type Env } from "./env.server";

// The client address a request came from. `remoteAddress` is the socket peer (server.mjs puts it in
// the load context). X-Forwarded-For is believed only as far as it was written by proxies we know:
// walking from the socket peer leftwards through the header, each address is trusted only if it is in
// TRUSTED_PROXIES (and, with TRUSTED_PROXY_HOPS, within that many hops); the first address that is
// not is the client (proxy-addr, the algorithm Express's "trust proxy" uses). A direct request that
// claims any address in the header therefore gets its own socket address back.

export type ProxyTrust = (addr: string, hop: number) => boolean;

let cached: { source: Env; trust: ProxyTrust | null } | undefined;

/** Trust for these proxy addresses/CIDRs, at most `hops` of them per request; null: trust none. */
export function proxyTrust(list: string[], hops?: number): ProxyTrust | null {
  if (list.length === 0 || hops === 0) return null;
  const compiled = proxyAddr.compile(list);
  return (addr, i) => (hops === undefined || i < hops) && compiled(addr, i);
}

export function proxyTrustFromEnv(config: Env = env()): ProxyTrust | null {
  if (cached?.source !== config) {
    cached = { source: config, trust: proxyTrust(trustedProxyList(config.TRUSTED_PROXIES), config.TRUSTED_PROXY_HOPS) };
  }
  return cached.trust;
}

export function clientIp(
  request: Request,
  remoteAddress: string | null | undefined,
  trust: ProxyTrust | null = proxyTrustFromEnv(),
): string | null {
  const peer = normalizeIp(remoteAddress);
  const forwarded = request.headers.get("x-forwarded-for");
  if (!peer || !trust || !forwarded) return peer;
  const socket = { remoteAddress: peer };
  const req = { headers: { "x-forwarded-for": forwarded }, socket, connection: socket } as unknown as IncomingMessage;
  return normalizeIp(proxyAddr(req, trust));
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
