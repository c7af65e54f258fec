import { clientIp, remoteAddressOf } from "../../../lib/client-ip.server";
import { countCallback } from "../../../lib/metrics.server";
import { readBoundedBody, safeHeaders } from "../common/http.server";
import { eventsDeps } from "../common/deps.server";
import { stkAnswerHttp } from "./answers";
import { receiveStkCallback } from "./store.server";

// POST /daraja/stk/<token> — the thin adapter: bound the body, call the one use case, map its typed
// answer to HTTP. app/routes/daraja.stk.$token.tsx only forwards to these.

export async function stkCallbackAction(
  request: Request,
  token: string | undefined,
  loadContext: unknown,
): Promise<Response> {
  if (request.method !== "POST") return methodNotAllowed();
  const deps = await eventsDeps();
  const { text, tooLarge, size } = await readBoundedBody(request, deps.config.maxBytes);
  const answer = await receiveStkCallback(deps, {
    token: token ?? "",
    body: text,
    tooLarge,
    size,
    headers: safeHeaders(request.headers),
    sourceIp: clientIp(request, remoteAddressOf(loadContext)),
  });
  countCallback(
    "STK",
    answer.kind === "accepted" ? "accepted" : answer.kind === "too_large" ? "too_large" : "rejected",
  );
  const http = stkAnswerHttp(answer);
  return Response.json(http.body, { status: http.status });
}

export const methodNotAllowed = () => new Response(null, { status: 405, headers: { Allow: "POST" } });
