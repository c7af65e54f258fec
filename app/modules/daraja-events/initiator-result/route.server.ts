import { clientIp, remoteAddressOf } from "../../../lib/client-ip.server";
import { countCallback } from "../../../lib/metrics.server";
import { eventsDeps } from "../common/deps.server";
import { readBoundedBody, safeHeaders } from "../common/http.server";
import { initiatorAnswerHttp } from "./answers";
import { receiveInitiatorEvent, type InitiatorEventKind } from "./store.server";

// POST /daraja/result/<op>/<token> and /daraja/timeout/<op>/<token> — the thin adapter: bound the
// body, call the one use case, map its typed answer to HTTP. The route files only forward to this.

export async function initiatorEventAction(
  request: Request,
  kind: InitiatorEventKind,
  op: string | undefined,
  token: string | undefined,
  loadContext: unknown,
): Promise<Response> {
  if (request.method !== "POST") return methodNotAllowed();
  const deps = await eventsDeps();
  const { text, tooLarge, size } = await readBoundedBody(request, deps.config.maxBytes);
  const answer = await receiveInitiatorEvent(deps, {
    kind,
    op: op ?? "",
    token: token ?? "",
    body: text,
    tooLarge,
    size,
    headers: safeHeaders(request.headers),
    sourceIp: clientIp(request, remoteAddressOf(loadContext)),
  });
  countCallback(kind, answer.kind === "accepted" ? "accepted" : answer.kind === "too_large" ? "too_large" : "rejected");
  const http = initiatorAnswerHttp(answer);
  return Response.json(http.body, { status: http.status });
}

export const methodNotAllowed = () => new Response(null, { status: 405, headers: { Allow: "POST" } });
