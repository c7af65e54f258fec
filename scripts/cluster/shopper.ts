import http from "node:http";
import { getJwt } from "@shopify/shopify-api/test-helpers";

// A shopper's Pay, as the checkout extension sends it (packages/pay-contract): a session token signed
// with the app's secret, the order id with its confirmation number (required since the order binding),
// the phone, a browser's Origin and User-Agent. `localAddress` makes each shopper connect from its own
// loopback address (127.x.y.z): nginx writes it into X-Forwarded-For, and the app, trusting loopback
// proxies, counts the per-client limits per shopper instead of for everyone at once.

export interface PayRequest {
  proxyUrl: string;
  apiKey: string;
  apiSecret: string;
  shop: string;
  orderId: string;
  confirmationNumber: string | null;
  phone: string;
  localAddress?: string;
}

export interface PayAnswer {
  status: number; // 0: no answer (connection refused or reset)
  body: unknown;
  upstream: string | null;
  retryAfterSeconds: number | null;
}

export async function sessionToken(shop: string, apiKey: string, apiSecret: string): Promise<string> {
  const overrides = { sub: undefined, sid: crypto.randomUUID() };
  return (await getJwt(shop.replace(/\.myshopify\.com$/, ""), apiKey, apiSecret, overrides)).token;
}

export async function pay(r: PayRequest): Promise<PayAnswer> {
  const token = await sessionToken(r.shop, r.apiKey, r.apiSecret);
  const body = JSON.stringify({
    orderId: r.orderId,
    ...(r.confirmationNumber !== null ? { confirmationNumber: r.confirmationNumber } : {}),
    phone: r.phone,
  });
  return post(
    `${r.proxyUrl}/api/pay`,
    body,
    {
      Authorization: `Bearer ${token}`,
      "Content-Type": "application/json",
      Origin: "https://extensions.shopifycdn.com",
      "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
    },
    r.localAddress,
  );
}

/** A POST over a fresh connection (optionally from a given local address); never throws. */
export function post(
  url: string,
  body: string,
  headers: Record<string, string>,
  localAddress?: string,
  timeoutMs = 60_000,
): Promise<PayAnswer> {
  return new Promise((resolve) => {
    const req = http.request(
      url,
      {
        method: "POST",
        headers: { ...headers, "Content-Length": String(Buffer.byteLength(body)) },
        localAddress,
        agent: false,
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let parsed: unknown = null;
          try {
            parsed = JSON.parse(text);
          } catch {
            parsed = text;
          }
          const retryAfter = Number(res.headers["retry-after"]);
          resolve({
            status: res.statusCode ?? 0,
            body: parsed,
            upstream: (res.headers["x-upstream"] as string | undefined) ?? null,
            retryAfterSeconds: Number.isFinite(retryAfter) ? retryAfter : null,
          });
        });
        res.on("error", () => resolve({ status: 0, body: null, upstream: null, retryAfterSeconds: null }));
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", () => resolve({ status: 0, body: null, upstream: null, retryAfterSeconds: null }));
    req.end(body);
  });
}

/** The i-th shopper's loopback address: 127.1.0.1, 127.1.0.2, … (Linux answers the whole 127/8). */
export const shopperAddress = (i: number) => `127.1.${Math.floor(i / 250) % 250}.${(i % 250) + 1}`;
