import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { clientIp, remoteAddressOf } from "~/lib/client-ip.server";
import { authenticateExtension } from "~/lib/extension-auth.server";
import { errorJson, unlessFarSideDown } from "~/modules/payments/http.server";
import { isOrderGid } from "~/modules/shopify/order-id";
import {
  shopperVerification,
  shopperVerify,
  type ShopperOutcome,
  type ShopperVerifyDeps,
} from "~/modules/receipt-verification/shopper.server";
import { paymentsDeps } from "~/payments.server";
import { consumeShopperVerify, verifyDeps } from "~/receipt-verification.server";

// POST /api/pay/verify {orderId, confirmationNumber, code} and GET /api/pay/verify?orderId=&confirmationNumber=[&id=]
// — the order-status block's "verify by M-PESA code" (contract: packages/pay-contract, docs/C2B.md).

async function deps(): Promise<ShopperVerifyDeps> {
  return { verify: await verifyDeps(), orders: await paymentsDeps(), consumeVerify: consumeShopperVerify };
}

function answer(outcome: ShopperOutcome): Response {
  switch (outcome.kind) {
    case "ok":
      return Response.json(outcome.answer);
    case "invalid":
      return errorJson(422, "INVALID_REQUEST", outcome.message);
    case "not_allowed":
      return errorJson(403, "VERIFY_NOT_ALLOWED", outcome.message);
    case "code_rejected":
      return errorJson(422, "CODE_REJECTED", outcome.message);
    case "refused":
      // As Pay: an order this caller may not see answers like one that does not exist.
      return errorJson(outcome.code === "ORDER_NOT_FOUND_YET" ? 404 : 409, outcome.code, outcome.message);
    case "rate_limited":
      return errorJson(429, "RATE_LIMITED", "Too many codes tried. Please wait a while.", {
        "Retry-After": String(outcome.retryAfterSeconds),
      });
    case "unavailable":
      return errorJson(503, "TEMPORARILY_UNAVAILABLE", "Please try again in a moment.", {
        "Retry-After": String(outcome.retryAfterSeconds),
      });
  }
}

export const loader = async ({ request, context }: LoaderFunctionArgs) => {
  const { shop, cors, customerGid, sessionId } = await authenticateExtension(request);
  const params = new URL(request.url).searchParams;
  const orderId = params.get("orderId") ?? "";
  if (!isOrderGid(orderId)) return cors(errorJson(422, "INVALID_REQUEST", "orderId must be a Shopify order id."));
  const ip = clientIp(request, remoteAddressOf(context));
  return cors(
    await unlessFarSideDown(async () => {
      const d = await deps();
      // Polled like /api/pay/status, and counted in the same budget.
      const verdict = await d.orders.consumeStatusPoll({ shop, session: sessionId ?? `${orderId}|${ip ?? "-"}` });
      if (!verdict.allowed)
        return answer({
          kind: verdict.limit === "store" ? "unavailable" : "rate_limited",
          retryAfterSeconds: verdict.retryAfterSeconds,
        });
      const caller = {
        shop,
        orderGid: orderId,
        confirmationNumber: params.get("confirmationNumber"),
        customerGid,
        clientIp: ip,
      };
      return answer(await shopperVerification(d, caller, params.get("id")));
    }),
  );
};

export const action = async ({ request, context }: ActionFunctionArgs) => {
  const { shop, cors, customerGid } = await authenticateExtension(request); // answers the OPTIONS preflight
  if (request.method !== "POST")
    return cors(new Response(null, { status: 405, headers: { Allow: "GET, POST, OPTIONS" } }));
  const body = (await request.json().catch(() => null)) as Record<string, unknown> | null;
  const orderId = typeof body?.orderId === "string" ? body.orderId : "";
  if (!isOrderGid(orderId)) return cors(errorJson(422, "INVALID_REQUEST", "orderId must be a Shopify order id."));
  return cors(
    await unlessFarSideDown(async () => {
      const caller = {
        shop,
        orderGid: orderId,
        confirmationNumber: body?.confirmationNumber,
        customerGid,
        clientIp: clientIp(request, remoteAddressOf(context)),
      };
      return answer(await shopperVerify(await deps(), caller, body?.code));
    }),
  );
};
