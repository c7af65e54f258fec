// Production HTTP server: serves the Remix build and runs the durable job worker in the same process.
//   node server.mjs            (after `npm run build` and `npm run setup`)
// Lifecycle: /healthz answers as soon as the process listens (liveness); /readyz answers 200 once the
// database is reachable and migrated, and 503 from the first SIGTERM on, so a load balancer drains
// the instance. SIGTERM/SIGINT: stop accepting connections, let in-flight requests and running jobs
// finish (the worker claims nothing new), close the database pool, exit 0 — or exit 1 if that takes
// longer than SHUTDOWN_TIMEOUT_MS (jobs not finished by then are re-run after their lock expires).
import { createRequestHandler } from "@remix-run/express";
import { installGlobals } from "@remix-run/node";
import express from "express";
import { requestBodyLimit, requestMaxBytesFromEnv } from "./server/request-body-limit.mjs";
import { darajaFastPath } from "./server/daraja-fast-path.mjs";

installGlobals({ nativeFetch: true });

const log = (msg, fields = {}) => console.log(JSON.stringify({ level: 30, time: Date.now(), msg, ...fields }));
const build = await import("./build/server/index.js");
const app = express();
app.disable("x-powered-by");
let stopping = false;
// Liveness is the process answering: served here, before any middleware (also the benchmarks' bare
// baseline). app/routes/healthz.tsx answers the same under the development server.
app.get("/healthz", (req, res) => res.type("text/plain").send("ok"));
app.get("/readyz", (req, res, next) => (stopping ? res.status(503).json({ status: "stopping" }) : next()));
// Daraja callback routes bound their own bodies (CALLBACK_MAX_BYTES) and keep what they read.
const getLoadContext = (req) => ({ remoteAddress: req.socket.remoteAddress ?? null });
// Daraja's callbacks go straight to their route actions (server/daraja-fast-path.mjs): the hot path.
app.use(
  darajaFastPath(build, {
    getLoadContext,
    onError: (error, routeId) => log("daraja route failed", { level: 50, routeId, err: String(error?.stack ?? error) }),
  }),
);
// The statement upload bounds its own body too (STATEMENT_MAX_BYTES, counted while it streams, signed-in staff only).
app.use(
  requestBodyLimit({
    maxBytes: requestMaxBytesFromEnv(),
    exempt: (path) => path.startsWith("/daraja/") || path === "/app/reconciliation/import",
  }),
);
app.use("/assets", express.static("build/client/assets", { immutable: true, maxAge: "1y" }));
app.use(express.static("build/client", { maxAge: "1h" }));
app.all(
  "*",
  createRequestHandler({
    build,
    // The socket peer address; the app decides (TRUSTED_PROXIES) whether to trust X-Forwarded-For.
    getLoadContext,
  }),
);

const port = Number(process.env.PORT || 3000);
const host = process.env.HOST || "0.0.0.0";
const shutdownTimeoutMs = Number(process.env.SHUTDOWN_TIMEOUT_MS || 25_000);
// Handlers first: a SIGTERM that arrives while the process starts still shuts it down gracefully.
process.on("SIGTERM", () => shutdown("SIGTERM"));
process.on("SIGINT", () => shutdown("SIGINT"));
const server = app.listen(port, host, () => {
  const addr = server.address();
  log("listening", { port: typeof addr === "object" ? addr.port : port });
});
// Longer than the proxy's upstream keep-alive (nginx: 60 s), so the proxy closes idle connections first.
server.keepAliveTimeout = 65_000;

// Started right away; shutdown waits for it to have started before stopping it.
const background = Promise.resolve(build.entry.module.startBackgroundWork?.());

async function shutdown(signal) {
  if (stopping) return;
  stopping = true;
  const started = Date.now();
  log("shutting down", { signal, timeoutMs: shutdownTimeoutMs });
  setTimeout(() => {
    log("shutdown timed out: exiting with work unfinished", { afterMs: Date.now() - started });
    process.exit(1);
  }, shutdownTimeoutMs).unref();
  const httpClosed = new Promise((resolve) => server.close(resolve));
  server.closeIdleConnections();
  try {
    const work = await background;
    await Promise.all([httpClosed, work?.stop?.()]);
    await work?.close?.();
  } catch (error) {
    log("shutdown failed", { err: String(error) });
    process.exit(1);
  }
  log("stopped", { afterMs: Date.now() - started });
  process.exit(0);
}
