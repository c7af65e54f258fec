import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import type { PayResponse } from "@mpesa-checkout/pay-contract";
import { clientIp, remoteAddressOf } from "~/lib/client-ip.server";
import { startPayment } from "~/modules/payments/start-payment.server";
import { toAttemptView } from "~/modules/payments/attempt-view";
import { paymentsDeps } from "~/payments.server";
import { authenticateExtension } from "~/lib/extension-auth.server";
import { logger } from "~/lib/logger.server";
import prisma from "~/db.server";
import { noteExtensionRequest } from "~/modules/settings/setup-evidence.server";
import { errorJson, unlessFarSideDown } from "~/modules/payments/http.server";

// POST /api/pay — the checkout extension's Pay button (contract: packages/pay-contract, docs/ARCHITECTURE.md).

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { cors } = await authenticateExtension(request); // answers the OPTIONS preflight
  return cors(new Response(null, { status: 405, headers: { Allow: "POST, OPTIONS" } }));
};

export const action = async ({ request, context }: ActionFunctionArgs) => {
  const { shop, cors, customerGid } = await authenticateExtension(request);
  // The block is placed (home checklist): the first request per shop is recorded, once.
  await noteExtensionRequest(prisma, shop, "/api/pay", (err) =>
    logger.warn({ shop, err: String(err) }, "could not record the checkout block's first request"),
  );
  const body = (await request.json().catch(() => null)) as Record<string, unknown> | null;
  return cors(
    await unlessFarSideDown(async () => {
      const outcome = await startPayment(await paymentsDeps(), {
        shop,
        orderGid: body?.orderId,
        confirmationNumber: body?.confirmationNumber,
        phone: body?.phone,
        clientIp: clientIp(request, remoteAddressOf(context)),
        customerGid,
      });
      switch (outcome.kind) {
        case "started":
        case "existing":
          return Response.json({ attempt: toAttemptView(outcome.attempt) } satisfies PayResponse);
        case "rate_limited":
          return errorJson(429, "RATE_LIMITED", outcome.message, { "Retry-After": String(outcome.retryAfterSeconds) });
        case "unavailable":
          return errorJson(503, "TEMPORARILY_UNAVAILABLE", outcome.message, {
            "Retry-After": String(outcome.retryAfterSeconds),
          });
        case "refused":
          return errorJson(outcome.httpStatus, outcome.code, outcome.message);
      }
    }),
  );
};
