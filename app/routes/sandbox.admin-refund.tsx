import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import prisma from "../db.server";
import { refundInAdmin } from "../modules/sandbox/admin-refund.server";
import { sandboxConfig, tokenKeys } from "../modules/sandbox/config.server";
import { notFoundUnlessSandbox } from "../modules/sandbox/page.server";

// POST /sandbox/admin-refund — sandbox mode only (404 otherwise): the merchant refunds an M-PESA
// order in the Shopify admin, played by the stand-in, which sends the app refunds/create
// (modules/sandbox/admin-refund.server.ts).

export const loader = async (_args: LoaderFunctionArgs) => {
  notFoundUnlessSandbox(sandboxConfig());
  return new Response("Method Not Allowed", { status: 405, headers: { Allow: "POST" } });
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const config = sandboxConfig();
  notFoundUnlessSandbox(config);
  const body = await request.json().catch(() => null);
  const outcome = await refundInAdmin(prisma, config, tokenKeys(), body);
  if (!outcome.ok) return Response.json({ error: outcome.message }, { status: outcome.status });
  return Response.json(outcome, { headers: { "Cache-Control": "no-store" } });
};
