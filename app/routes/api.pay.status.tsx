import type { LoaderFunctionArgs } from "@remix-run/node";
import { clientIp, remoteAddressOf } from "~/lib/client-ip.server";
import { isOrderGid } from "~/modules/shopify/order-id";
import { getPaymentStatus } from "~/modules/payments/payment-status.server";
import { paymentsDeps } from "~/payments.server";
import { authenticateExtension } from "~/lib/extension-auth.server";
import { logger } from "~/lib/logger.server";
import prisma from "~/db.server";
import { noteExtensionRequest } from "~/modules/settings/setup-evidence.server";
import { errorJson, unlessFarSideDown } from "~/modules/payments/http.server";

// GET /api/pay/status?orderId=<gid>&confirmationNumber=<number> — polled by the checkout extension
// (contract: packages/pay-contract, docs/ARCHITECTURE.md).

export const loader = async ({ request, context }: LoaderFunctionArgs) => {
  const { shop, cors, customerGid, sessionId } = await authenticateExtension(request);
  // The block is placed (home checklist): the first request per shop is recorded, once.
  await noteExtensionRequest(prisma, shop, "/api/pay/status", (err) =>
    logger.warn({ shop, err: String(err) }, "could not record the checkout block's first request"),
  );
  const params = new URL(request.url).searchParams;
  const orderId = params.get("orderId") ?? "";
  if (!isOrderGid(orderId)) {
    return cors(errorJson(422, "INVALID_REQUEST", "orderId must be a Shopify order id."));
  }
  return cors(
    await unlessFarSideDown(async () => {
      const outcome = await getPaymentStatus(await paymentsDeps(), {
        shop,
        orderGid: orderId,
        confirmationNumber: params.get("confirmationNumber"),
        customerGid,
        sessionId,
        clientIp: clientIp(request, remoteAddressOf(context)),
      });
      switch (outcome.kind) {
        case "status":
          return Response.json(outcome.status);
        case "invalid":
          return errorJson(422, "INVALID_REQUEST", outcome.message);
        case "rate_limited":
          return errorJson(429, "RATE_LIMITED", "Too many status checks. Please wait a moment.", {
            "Retry-After": String(outcome.retryAfterSeconds),
          });
        case "unavailable":
          return errorJson(
            503,
            "TEMPORARILY_UNAVAILABLE",
            "Payments are busy right now. Please try again in a moment.",
            {
              "Retry-After": String(outcome.retryAfterSeconds),
            },
          );
      }
    }),
  );
};

// OPTIONS preflight arrives here (Remix routes every non-GET method to the action).
export const action = async ({ request }: LoaderFunctionArgs) => {
  const { cors } = await authenticateExtension(request);
  return cors(new Response(null, { status: 405, headers: { Allow: "GET, OPTIONS" } }));
};
