// HTTP steps every inbound Daraja event shares: read a bounded body, keep the headers worth keeping.
// No app-framework imports: the route adapters in each event folder are plain Request -> Response.

/**
 * The request body as text, reading at most `max` bytes: a hostile sender cannot make us buffer
 * more than that (Content-Length is not trusted; the stream is cut). `tooLarge` keeps the first bytes.
 */
export async function readBoundedBody(
  request: Request,
  max: number,
): Promise<{ text: string; tooLarge: boolean; size: number }> {
  if (!request.body) return { text: "", tooLarge: false, size: 0 };
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let tooLarge = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (tooLarge) {
      // Discard the rest so the sender can read our 413 (cutting the socket mid-upload loses it),
      // but only up to a bound: past it, a hostile sender just gets the connection closed.
      size += value.byteLength;
      if (size > max * 16) {
        await reader.cancel().catch(() => {});
        break;
      }
      continue;
    }
    tooLarge = size + value.byteLength > max;
    chunks.push(tooLarge ? value.subarray(0, max - size) : value);
    size += value.byteLength;
  }
  return { text: Buffer.concat(chunks).toString("utf8"), tooLarge, size };
}

const DROPPED_HEADERS = new Set(["authorization", "cookie", "proxy-authorization"]);

export function safeHeaders(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, key) => {
    if (!DROPPED_HEADERS.has(key.toLowerCase())) out[key] = value;
  });
  return out;
}

/** The few headers kept for a callback whose token is unknown (metadata only, see unknown-token.server.ts). */
export function metadataHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of ["content-type", "content-length", "user-agent"])
    if (headers[key]) out[key] = headers[key].slice(0, 200);
  return out;
}
