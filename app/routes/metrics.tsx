import crypto from "node:crypto";
import type { LoaderFunctionArgs } from "@remix-run/node";
import db from "~/db.server";
import { env } from "~/lib/env.server";
import { renderMetrics } from "~/lib/metrics.server";

// GET /metrics — Prometheus exposition, for a scraper holding METRICS_TOKEN (Authorization: Bearer).
// Without METRICS_TOKEN configured the route does not exist (404); a wrong or missing token is 401.
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const token = env().METRICS_TOKEN;
  if (!token) return new Response("Not Found", { status: 404 });
  if (!bearerMatches(request.headers.get("Authorization"), token)) {
    return new Response("Unauthorized", { status: 401, headers: { "WWW-Authenticate": 'Bearer realm="metrics"' } });
  }
  const { contentType, body } = await renderMetrics(db);
  return new Response(body, { headers: { "Content-Type": contentType, "Cache-Control": "no-store" } });
};

function bearerMatches(header: string | null, token: string): boolean {
  const given = /^Bearer (.+)$/.exec(header ?? "")?.[1] ?? "";
  // Compare digests: constant time whatever the lengths.
  const digest = (s: string) => crypto.createHash("sha256").update(s).digest();
  return crypto.timingSafeEqual(digest(given), digest(token));
}
