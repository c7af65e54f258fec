// Production HTTP server: serves the Remix build and runs the durable job worker in the same process.
//   node server.mjs            (after `npm run build` and `npm run setup`)
import { createRequestHandler } from "@remix-run/express";
import { installGlobals } from "@remix-run/node";
import express from "express";

installGlobals({ nativeFetch: true });

const build = await import("./build/server/index.js");
const app = express();
app.disable("x-powered-by");
app.use("/assets", express.static("build/client/assets", { immutable: true, maxAge: "1y" }));
app.use(express.static("build/client", { maxAge: "1h" }));
app.all(
  "*",
  createRequestHandler({
    build,
    // The socket peer address; the app decides (TRUSTED_PROXY_HOPS) how far to trust X-Forwarded-For.
    getLoadContext: (req) => ({ remoteAddress: req.socket.remoteAddress ?? null }),
  }),
);

const port = Number(process.env.PORT || 3000);
const host = process.env.HOST || "0.0.0.0";
const server = app.listen(port, host, () => {
  const addr = server.address();
  console.log(JSON.stringify({ level: 30, msg: "listening", port: typeof addr === "object" ? addr.port : port }));
});
server.keepAliveTimeout = 65_000;

const background = await build.entry.module.startBackgroundWork?.();

let stopping = false;
async function shutdown(signal) {
  if (stopping) return;
  stopping = true;
  console.log(JSON.stringify({ level: 30, msg: "shutting down", signal }));
  server.close();
  await background?.stop?.();
  process.exit(0);
}
process.on("SIGTERM", () => shutdown("SIGTERM"));
process.on("SIGINT", () => shutdown("SIGINT"));
