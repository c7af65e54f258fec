import { clientIp, remoteAddressOf } from "../../../lib/client-ip.server";
import { countCallback } from "../../../lib/metrics.server";
import { eventsDeps } from "../common/deps.server";
import { readBoundedBody, safeHeaders } from "../common/http.server";
import { c2bConfirmationHttp } from "./answers";
import { receiveC2bConfirmation } from "./store.server";

// POST /daraja/c2b/<token>/confirmation — the thin adapter (app/routes/daraja.c2b.$token.confirmation.tsx).

export async function c2bConfirmationAction(
  request: Request,
  token: string | undefined,
  loadContext: unknown,
): Promise<Response> {
  if (request.method !== "POST") return methodNotAllowed();
  const deps = await eventsDeps();
  const { text, tooLarge, size } = await readBoundedBody(request, deps.config.maxBytes);
  const answer = await receiveC2bConfirmation(deps, {
    token: token ?? "",
    body: text,
    tooLarge,
    size,
    headers: safeHeaders(request.headers),
    sourceIp: clientIp(request, remoteAddressOf(loadContext)),
  });
  countCallback(
    "C2B_CONFIRMATION",
    answer.kind === "accepted" ? "accepted" : answer.kind === "too_large" ? "too_large" : "rejected",
  );
  const http = c2bConfirmationHttp(answer);
  return Response.json(http.body, { status: http.status });
}

export const methodNotAllowed = () => new Response(null, { status: 405, headers: { Allow: "POST" } });
