import type { LoaderFunctionArgs } from "@remix-run/node";
import { getPaymentStatus } from "~/modules/payments/payment-status.server";
import { paymentsDeps } from "~/modules/payments/wiring.server";
import { authenticateExtension } from "~/lib/extension-auth.server";
import { errorJson, unlessFarSideDown } from "~/modules/payments/http.server";

// GET /api/pay/status?orderId=<gid> — polled by the checkout extension (contract: docs/ARCHITECTURE.md).

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { shop, cors, viewer } = await authenticateExtension(request);
  const orderId = new URL(request.url).searchParams.get("orderId") ?? "";
  if (!/^gid:\/\/shopify\/Order\/\d+$/.test(orderId)) {
    return cors(errorJson(422, "INVALID_REQUEST", "orderId must be a Shopify order id."));
  }
  return cors(await unlessFarSideDown(async () => Response.json(await getPaymentStatus(await paymentsDeps(), shop, orderId, viewer))));
};

// OPTIONS preflight arrives here (Remix routes every non-GET method to the action).
export const action = async ({ request }: LoaderFunctionArgs) => {
  const { cors } = await authenticateExtension(request);
  return cors(new Response(null, { status: 405, headers: { Allow: "GET, OPTIONS" } }));
};
