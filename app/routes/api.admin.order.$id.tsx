import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import type { AdminErrorCode, AdminOrderView } from "@mpesa-checkout/pay-contract";
import { clientIp, remoteAddressOf } from "~/lib/client-ip.server";
import { unlessFarSideDown } from "~/modules/payments/http.server";
import {
  orderBlockView,
  refundPayment,
  sendPaymentPrompt,
  type OrderBlockDeps,
  type OrderBlockOutcome,
} from "~/modules/order-block/order-block.server";
import { orderGid } from "~/modules/shopify/order-id";
import { paymentsDeps } from "~/payments.server";
import { refundsDeps } from "~/refunds.server";
import { authenticate } from "~/shopify.server";

// GET|POST /api/admin/order/:id — the admin order-page block (extensions/admin-order-block; contract
// in packages/pay-contract/src/admin-order.ts). authenticate.admin answers the CORS preflight, checks
// the admin session token (Bearer; HS256 with the app secret, `aud` = the app's client id) and loads
// the shop's offline session; every answer goes through its cors().

const deps = async (): Promise<OrderBlockDeps> => ({ payments: await paymentsDeps(), refunds: await refundsDeps() });

function error(status: number, code: AdminErrorCode, message: string, retryAfterSeconds?: number) {
  return Response.json(
    { error: { code, message } },
    { status, headers: retryAfterSeconds ? { "Retry-After": String(retryAfterSeconds) } : {} },
  );
}

/** The numeric order id of the path, as the Admin API's GID; null when it is not one. */
function orderOf(id: string | undefined): string | null {
  return id && /^\d{1,20}$/.test(id) ? orderGid(id) : null;
}

/**
 * Only the block calls this API, always with its Bearer token: without one the library would treat
 * the request as the embedded app's page load (redirects, HTML), which no extension can use.
 */
async function authenticateBlock(request: Request) {
  if (request.method !== "OPTIONS" && !/^Bearer\s+\S/.test(request.headers.get("Authorization") ?? "")) {
    throw new Response(
      JSON.stringify({ error: { code: "UNAUTHORIZED", message: "An admin session token is required." } }),
      {
        status: 401,
        headers: { "Content-Type": "application/json", "Access-Control-Allow-Origin": "*" },
      },
    );
  }
  return authenticate.admin(request);
}

export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const { session, cors } = await authenticateBlock(request);
  const gid = orderOf(params.id);
  if (!gid) return cors(error(422, "INVALID_REQUEST", "The order id must be a Shopify order's numeric id."));
  return cors(
    await unlessFarSideDown(async () => {
      const view: AdminOrderView = await orderBlockView(await deps(), session.shop, gid);
      return Response.json(view);
    }),
  );
};

export const action = async ({ request, params, context }: ActionFunctionArgs) => {
  const { session, sessionToken, cors } = await authenticateBlock(request);
  const gid = orderOf(params.id);
  if (!gid) return cors(error(422, "INVALID_REQUEST", "The order id must be a Shopify order's numeric id."));
  if (request.method !== "POST") return cors(new Response(null, { status: 405, headers: { Allow: "GET, POST" } }));
  const body = (await request.json().catch(() => null)) as Record<string, unknown> | null;
  // The staff member the token names (`sub`, their user id): recorded as the refund's approver.
  const by = `staff user ${String((sessionToken as { sub?: unknown } | undefined)?.sub ?? "unknown")} of ${session.shop}`;
  return cors(
    await unlessFarSideDown(async () => {
      let outcome: OrderBlockOutcome;
      if (body?.intent === "prompt") {
        outcome = await sendPaymentPrompt(await deps(), {
          shop: session.shop,
          orderGid: gid,
          phone: body.phone,
          clientIp: clientIp(request, remoteAddressOf(context)),
        });
      } else if (body?.intent === "refund") {
        outcome = await refundPayment(await deps(), {
          shop: session.shop,
          orderGid: gid,
          attemptId: body.attemptId,
          amountKes: body.amountKes,
          nonce: body.nonce,
          by,
        });
      } else {
        return error(422, "INVALID_REQUEST", 'intent must be "prompt" or "refund".');
      }
      return outcome.ok
        ? Response.json({ message: outcome.message, view: outcome.view })
        : error(outcome.status, outcome.code, outcome.message, outcome.retryAfterSeconds);
    }),
  );
};
