// Caps every request body before Remix sees it (REQUEST_MAX_BYTES). Remix hands the body stream to
// route code that may read all of it — the Shopify webhook library buffers the whole body before it
// checks the HMAC — so one huge POST could otherwise take the process's memory.
//   - Content-Length over the cap: 413 at once, the body is never read, the connection is closed.
//   - Streamed (chunked) bodies: bytes are counted as they arrive; past the cap 413 (if nothing was
//     answered yet), reading stops and the request stream fails (the route sees a read error, never a
//     truncated body); the connection closes after the answer.
// Paths matched by `exempt` bound their own body (the Daraja callback routes read at most
// CALLBACK_MAX_BYTES and store what they kept as a REJECTED row).

const DEFAULT_MAX_BYTES = 1024 * 1024;

/** REQUEST_MAX_BYTES from the environment (bytes, integer ≥ 1024); throws on a bad value. */
export function requestMaxBytesFromEnv(value = process.env.REQUEST_MAX_BYTES) {
  if (value === undefined || value === "") return DEFAULT_MAX_BYTES;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1024) throw new Error(`REQUEST_MAX_BYTES must be an integer ≥ 1024, got "${value}"`);
  return n;
}

export function requestBodyLimit({ maxBytes, exempt = () => false }) {
  const refuse = (res) => {
    if (res.headersSent) return;
    res.statusCode = 413;
    res.setHeader("Connection", "close"); // do not read (or keep) the rest of an upload we refused
    res.setHeader("Content-Type", "application/json");
    res.end(
      JSON.stringify({
        error: {
          code: "PAYLOAD_TOO_LARGE",
          message: `Request body larger than ${maxBytes} bytes (REQUEST_MAX_BYTES).`,
        },
      }),
    );
  };

  return function limitRequestBody(req, res, next) {
    if (req.method === "GET" || req.method === "HEAD" || exempt(req.path)) return next();
    const declared = req.headers["content-length"];
    if (declared !== undefined && Number(declared) > maxBytes) return refuse(res);
    let seen = 0;
    // An observer beside the consumer: Remix's stream reader attaches its own "data" listener and
    // resumes the stream when it pulls. Paused here so no chunk flows before that listener exists.
    const count = (chunk) => {
      seen += chunk.length;
      if (seen <= maxBytes) return;
      req.off("data", count);
      refuse(res); // sent before the socket closes (Connection: close), so the client can read it
      req.pause(); // read no further
      // The consumer's body read fails: a route never sees a truncated body as if it were whole.
      req.emit("error", new Error("request body over REQUEST_MAX_BYTES"));
    };
    req.on("error", () => {}); // the consumer handles it; without any listener emit() would throw
    req.on("data", count);
    req.pause();
    next();
  };
}
