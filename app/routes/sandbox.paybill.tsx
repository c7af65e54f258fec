import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import prisma from "../db.server";
import { sandboxConfig, tokenKeys } from "../modules/sandbox/config.server";
import { DEMO_SHOP } from "../modules/sandbox/demo";
import { embeddedAppUrl } from "../modules/sandbox/session-tokens.server";
import { notFoundUnlessSandbox } from "../modules/sandbox/page.server";
import { payByPaybill } from "../modules/sandbox/paybill.server";

// POST /sandbox/paybill — sandbox mode only (404 otherwise): the shopper pays the demo shop's paybill
// from the M-PESA menu, played by the Daraja emulator (modules/sandbox/paybill.server.ts).

export const loader = async (_args: LoaderFunctionArgs) => {
  notFoundUnlessSandbox(sandboxConfig());
  return new Response("Method Not Allowed", { status: 405, headers: { Allow: "POST" } });
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const config = sandboxConfig();
  notFoundUnlessSandbox(config);
  const body = await request.json().catch(() => null);
  const outcome = await payByPaybill(prisma, config, body);
  if (!outcome.ok) return Response.json({ error: outcome.message }, { status: outcome.status });
  // A lost confirmation: the merchant's "Verify a payment by M-PESA code" page, opened as the admin would.
  const verifyUrl = outcome.lost
    ? await embeddedAppUrl(tokenKeys(), DEMO_SHOP, "/app/payments/verify").then(
        (url) => `${url}&order=${encodeURIComponent(outcome.orderName ?? "")}`,
      )
    : null;
  return Response.json({ ...outcome, verifyUrl }, { headers: { "Cache-Control": "no-store" } });
};
