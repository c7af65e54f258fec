import { PassThrough } from "node:stream";
import { renderToPipeableStream } from "react-dom/server";
import { RemixServer } from "@remix-run/react";
import { createReadableStreamFromReadable, type EntryContext } from "@remix-run/node";
import { isbot } from "isbot";
import { addDocumentResponseHeaders } from "./shopify.server";

const ABORT_DELAY = 5000;

export default async function handleRequest(
  request: Request,
  responseStatusCode: number,
  responseHeaders: Headers,
  remixContext: EntryContext,
) {
  addDocumentResponseHeaders(request, responseHeaders);
  const userAgent = request.headers.get("user-agent");
  const callbackName = isbot(userAgent ?? "") ? "onAllReady" : "onShellReady";

  return new Promise((resolve, reject) => {
    const { pipe, abort } = renderToPipeableStream(
      <RemixServer context={remixContext} url={request.url} abortDelay={ABORT_DELAY} />,
      {
        [callbackName]: () => {
          const body = new PassThrough();
          const stream = createReadableStreamFromReadable(body);
          responseHeaders.set("Content-Type", "text/html");
          resolve(new Response(stream, { headers: responseHeaders, status: responseStatusCode }));
          pipe(body);
        },
        onShellError(error) {
          reject(error);
        },
        onError(error) {
          responseStatusCode = 500;
          console.error(error);
        },
      },
    );
    setTimeout(abort, ABORT_DELAY);
  });
}

/**
 * Called once by server.mjs after the HTTP server starts: runs the durable job worker (applying stored
 * callbacks, recording payments in Shopify, recovering missed callbacks, housekeeping) in this
 * process; what it runs is composed in app/worker.server.ts. Graceful shutdown: `stop` claims no more
 * work and waits for the running items; `close`, called once HTTP requests and work are done, closes
 * the database pool.
 */
export async function startBackgroundWork() {
  const { startBackgroundWorker } = await import("./worker.server");
  const worker = await startBackgroundWorker();
  return {
    stop: () => worker.stop(),
    close: async () => (await import("./db.server")).default.$disconnect(),
  };
}
