import { env } from "../../../lib/env.server";
import { clientIp, remoteAddressOf } from "../../../lib/client-ip.server";
import { countCallback } from "../../../lib/metrics.server";
import { eventsDeps } from "../common/deps.server";
import { readBoundedBody, safeHeaders } from "../common/http.server";
import { c2bValidationHttp } from "./answers";
import { receiveC2bValidation } from "./store.server";

// POST /daraja/c2b/<token>/validation — the thin adapter (app/routes/daraja.c2b.$token.validation.tsx).

export async function c2bValidationAction(
  request: Request,
  token: string | undefined,
  loadContext: unknown,
): Promise<Response> {
  if (request.method !== "POST") return methodNotAllowed();
  const deps = await eventsDeps();
  const { text, tooLarge, size } = await readBoundedBody(request, deps.config.maxBytes);
  const answer = await receiveC2bValidation(
    { ...deps, budgetMs: env().C2B_VALIDATION_BUDGET_MS },
    {
      token: token ?? "",
      body: text,
      tooLarge,
      size,
      headers: safeHeaders(request.headers),
      sourceIp: clientIp(request, remoteAddressOf(loadContext)),
    },
  );
  countCallback(
    "C2B_VALIDATION",
    answer.kind === "accept" ? "accepted" : answer.kind === "too_large" ? "too_large" : "rejected",
  );
  const http = c2bValidationHttp(answer);
  return Response.json(http.body, { status: http.status });
}

export const methodNotAllowed = () => new Response(null, { status: 405, headers: { Allow: "POST" } });
