// Daraja's inbound messages (POST /daraja/…) go straight to their Remix route module's action,
// without Remix's request handler: no route ranking and matching over every route of the app on each
// request, no static-file lookup (a stat() per request), no document/data machinery. Acknowledging a
// callback is the hot path of the whole app (issue "Scale out for real": one durable write per
// callback), and these routes are plain JSON endpoints that use none of what is skipped.
//
// What stays the same: the route module is the one the Remix build holds (its action is the whole
// adapter), the Request it receives is built as @remix-run/express builds it
// (body streamed, not buffered: the routes bound their own body), and the load context is the same.
// Anything that is not a POST to a known /daraja/ route pattern falls through to Remix (GET → the
// route's loader, unknown paths → Remix's 404).

import { createReadableStreamFromReadable } from "@remix-run/node";

/**
 * The Fetch Request Remix itself would build for this express request (@remix-run/express keeps its
 * own helper private): same URL, headers, streamed body, and an abort signal when the client goes.
 */
export function fetchRequestOf(req, res) {
  const headers = new Headers();
  for (const [key, values] of Object.entries(req.headers)) {
    if (values === undefined) continue;
    if (Array.isArray(values)) for (const v of values) headers.append(key, v);
    else headers.set(key, values);
  }
  const url = new URL(req.originalUrl, `${req.protocol}://${req.get("host") ?? "localhost"}`);
  let controller = new AbortController();
  res.on("finish", () => (controller = null));
  res.on("close", () => controller?.abort());
  return new Request(url.href, {
    method: req.method,
    headers,
    signal: controller.signal,
    body: createReadableStreamFromReadable(req),
    duplex: "half",
  });
}

/** The build's routes under /daraja/ that have an action, as matchers (":param" segments only). */
export function darajaRoutes(build) {
  return Object.values(build.routes)
    .filter((r) => r.parentId === "root" && typeof r.path === "string" && r.path.startsWith("daraja/"))
    .filter((r) => typeof r.module.action === "function")
    .map((r) => {
      const names = [];
      const pattern = r.path
        .split("/")
        .map((seg) => {
          if (seg.startsWith(":")) {
            names.push(seg.slice(1));
            return "([^/]+)";
          }
          if (/[*?]/.test(seg)) throw new Error(`daraja fast path: unsupported route segment "${seg}" in ${r.id}`);
          return seg.replace(/[.+^${}()|[\]\\]/g, "\\$&");
        })
        .join("/");
      return { id: r.id, action: r.module.action, names, re: new RegExp(`^/${pattern}/?$`) };
    });
}

/** Express middleware: dispatch POSTs to /daraja/… route actions; `onError` logs what a route threw. */
export function darajaFastPath(build, { getLoadContext, onError }) {
  const routes = darajaRoutes(build);
  return async function darajaFastPathMiddleware(req, res, next) {
    if (req.method !== "POST" || !req.path.startsWith("/daraja/")) return next();
    let match = null;
    let route = null;
    for (const r of routes) {
      match = r.re.exec(req.path);
      if (match) {
        route = r;
        break;
      }
    }
    if (!route) return next();
    const params = {};
    try {
      route.names.forEach((name, i) => (params[name] = decodeURIComponent(match[i + 1])));
    } catch {
      return next(); // a malformed %-escape: let Remix answer it as it would
    }
    try {
      let response;
      try {
        response = await route.action({ request: fetchRequestOf(req, res), params, context: getLoadContext(req) });
      } catch (thrown) {
        if (!(thrown instanceof Response)) throw thrown;
        response = thrown; // Remix semantics: a thrown Response is the answer
      }
      res.statusCode = response.status;
      for (const [key, value] of response.headers.entries()) res.append(key, value);
      res.end(response.body ? Buffer.from(await response.arrayBuffer()) : undefined);
    } catch (error) {
      onError(error, route.id);
      if (res.headersSent) return res.destroy();
      res.statusCode = 500;
      res.setHeader("Content-Type", "application/json");
      res.end(JSON.stringify({ ResultCode: 1, ResultDesc: "Internal error: the message was not processed" }));
    }
  };
}
