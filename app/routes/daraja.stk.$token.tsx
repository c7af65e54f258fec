import type { ActionFunctionArgs } from "@remix-run/node";
import { clientIp, remoteAddressOf } from "~/lib/client-ip.server";
import { env } from "~/lib/env.server";
import { countCallback, outcomeOfStatus } from "~/lib/metrics.server";
import { readBoundedBody, safeHeaders } from "~/modules/payments/http.server";
import { storeStkCallback } from "~/modules/payments/callbacks/store-stk-callback.server";
import { paymentsDeps } from "~/modules/payments/wiring.server";

// POST /daraja/stk/<token> — Daraja's STK Push result. Stored first, answered at once, applied by a job.

export const action = async ({ request, params, context }: ActionFunctionArgs) => {
  if (request.method !== "POST") return new Response(null, { status: 405, headers: { Allow: "POST" } });
  const { text, tooLarge } = await readBoundedBody(request, env().CALLBACK_MAX_BYTES);
  const answer = await storeStkCallback(await paymentsDeps(), {
    token: params.token ?? "",
    path: "/daraja/stk/:token",
    body: text,
    tooLarge,
    headers: safeHeaders(request.headers),
    sourceIp: clientIp(request, remoteAddressOf(context)),
  });
  countCallback("STK", outcomeOfStatus(answer.httpStatus));
  return Response.json(answer.body, { status: answer.httpStatus });
};

export const loader = () => new Response(null, { status: 405, headers: { Allow: "POST" } });
