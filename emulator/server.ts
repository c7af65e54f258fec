// HTTP plumbing: the gateway checks every Daraja request goes through, in the order a gateway applies
// them (latency, spike arrest, injected failure, path, method, token, content type, JSON), then the
// endpoint handler. Any unexpected error becomes a Daraja 500 envelope: garbage never crashes it.
import http from "node:http";
import { generateToken, tokenIsValid } from "./api/oauth";
import { Codes, DarajaFailure, errorEnvelope, GatewayFault, type Reply } from "./reply";
import { OAUTH_PATH, ROUTES } from "./routes";
import type { RequestRecord, State } from "./state";

const MAX_BODY = 1024 * 1024;
export const MAX_RECORDS = 10_000;
export const CONTROL_PREFIX = "/__emulator";

export type ControlHandler = (method: string, path: string, query: URLSearchParams, body: unknown) => Promise<Reply>;

export function createServer(current: () => State, control: ControlHandler): http.Server {
  const server = http.createServer((req, res) => {
    handle(req, res, current, control).catch(() => {
      if (!res.headersSent)
        send(res, { status: 500, body: { errorCode: "500.003.1001", errorMessage: "Internal Server Error" } });
      else res.destroy();
    });
  });
  // Malformed HTTP: answer 400 and drop the socket instead of letting the error escape.
  server.on("clientError", (_err, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
    else socket.destroy();
  });
  return server;
}

async function handle(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  current: () => State,
  control: ControlHandler,
) {
  const url = new URL(req.url ?? "/", "http://emulator.local");
  const method = req.method ?? "GET";
  const raw = await readBody(req);

  if (url.pathname === CONTROL_PREFIX || url.pathname.startsWith(`${CONTROL_PREFIX}/`)) {
    let body: unknown = {};
    if (raw && raw.length) {
      try {
        body = JSON.parse(raw);
      } catch {
        return send(res, { status: 400, body: { error: "control API bodies are JSON" } });
      }
    }
    return send(res, await control(method, url.pathname.slice(CONTROL_PREFIX.length) || "/", url.searchParams, body));
  }

  const state = current();
  const record: RequestRecord = {
    id: ++state.requestSeq,
    at: new Date(state.now()).toISOString(),
    method,
    path: url.pathname + url.search,
    headers: redactHeaders(req.headers),
    body: parseForRecord(raw),
  };
  state.requests.push(record);
  // Benchmarks send many thousands of requests: keep the most recent ones only.
  if (state.requests.length > MAX_RECORDS) state.requests.splice(0, state.requests.length - MAX_RECORDS);
  state.stats.perEndpoint[url.pathname] = (state.stats.perEndpoint[url.pathname] ?? 0) + 1;

  const reply = await daraja(state, req, url, method, raw);
  record.status = reply.status;
  record.response = reply.body;
  send(res, reply);
}

async function daraja(
  state: State,
  req: http.IncomingMessage,
  url: URL,
  method: string,
  raw: string | null,
): Promise<Reply> {
  const requestId = state.ids.requestId();
  const behaviour = state.endpoints.get(url.pathname);
  const wait = state.opts.latencyMs + (behaviour?.latencyMs ?? 0);
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  try {
    const route = ROUTES[url.pathname];
    if (!route && url.pathname !== OAUTH_PATH) throw Codes.notFound();
    spikeArrest(state);
    if (behaviour && behaviour.failTimes > 0) {
      behaviour.failTimes--;
      return behaviour.failStatus === 503
        ? {
            status: 503,
            body: "<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>",
            contentType: "text/html",
          }
        : errorEnvelope(500, requestId, "500.003.1001", "Internal Server Error");
    }
    if (!route) {
      if (method !== "GET") throw Codes.methodNotAllowed();
      return generateToken(state, url.searchParams, req.headers.authorization, requestId);
    }
    if (method !== "POST") throw Codes.methodNotAllowed();

    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "")?.[1] ?? "";
    if (!tokenIsValid(state, bearer)) {
      state.stats.rejectedInvalidToken++;
      const t = route.invalidToken;
      return errorEnvelope(t.status, requestId, t.errorCode, t.message(bearer));
    }
    if (!/application\/json/i.test(req.headers["content-type"] ?? "")) throw Codes.invalidField(route.blamedField);
    if (raw === null) throw Codes.invalidPayload();
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      throw Codes.invalidPayload();
    }
    if (body === null || typeof body !== "object" || Array.isArray(body)) throw Codes.invalidPayload();
    return await route.handle({ state, body: body as Record<string, unknown>, requestId });
  } catch (err) {
    if (err instanceof GatewayFault) return { status: err.status, body: err.body };
    if (err instanceof DarajaFailure)
      return errorEnvelope(err.status, err.requestId ?? requestId, err.errorCode, err.errorMessage);
    return errorEnvelope(500, requestId, "500.003.1001", "Internal Server Error");
  }
}

/** Sliding one-second window over accepted requests (Apigee's SpikeArrest smooths similarly). */
function spikeArrest(state: State) {
  const limit = state.opts.spikeArrestPerSecond;
  if (limit === undefined) return;
  const now = state.now();
  while (state.arrivals.length && state.arrivals[0] <= now - 1000) state.arrivals.shift();
  if (state.arrivals.length >= limit) {
    state.stats.spikeArrests++;
    throw Codes.spikeArrest();
  }
  state.arrivals.push(now);
}

/** null when the body is larger than Daraja would take (answered as an invalid payload). */
function readBody(req: http.IncomingMessage): Promise<string | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) tooBig = true;
      else chunks.push(c);
    });
    req.on("end", () => resolve(tooBig ? null : Buffer.concat(chunks).toString("utf8")));
    req.on("error", () => resolve(null));
  });
}

function send(res: http.ServerResponse, reply: Reply) {
  const isText = (typeof reply.body === "string" || Buffer.isBuffer(reply.body)) && reply.contentType;
  const payload = isText ? (reply.body as string | Buffer) : JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    ...reply.headers,
    "content-type": reply.contentType ?? "application/json;charset=UTF-8",
    "content-length": Buffer.byteLength(payload),
  });
  res.end(payload);
}

function parseForRecord(raw: string | null): unknown {
  if (!raw) return raw === null ? "<body too large>" : undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** Tokens and Basic credentials are cut to a prefix: the request log is shown to people. */
function redactHeaders(h: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined) continue;
    const s = Array.isArray(v) ? v.join(", ") : v;
    out[k] = k === "authorization" ? s.replace(/^(\w+\s+\S{0,4})\S*/, "$1…") : s;
  }
  return out;
}
