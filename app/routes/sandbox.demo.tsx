import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import prisma from "../db.server";
import { logger } from "../lib/logger.server";
import { demoAdminConfig, sandboxConfig } from "../modules/sandbox/config.server";
import { addDemoOrder, resetDemo } from "../modules/sandbox/demo-admin.server";
import { notFoundUnlessSandbox } from "../modules/sandbox/page.server";

// POST /sandbox/demo {"do": "add-order" | "reset"} — sandbox mode only (404 otherwise): the sandbox
// page's "Add a demo order" and "Reset" (modules/sandbox/demo-admin.server.ts). JSON only, so another
// site's page cannot send it without a CORS preflight this route never answers.

export const loader = async (_args: LoaderFunctionArgs) => {
  notFoundUnlessSandbox(sandboxConfig());
  return new Response("Method Not Allowed", { status: 405, headers: { Allow: "POST" } });
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const config = demoAdminConfig();
  notFoundUnlessSandbox(config);
  if (!request.headers.get("content-type")?.startsWith("application/json"))
    return Response.json({ error: "Send JSON." }, { status: 415 });
  const body = (await request.json().catch(() => null)) as { do?: unknown } | null;
  try {
    const outcome =
      body?.do === "add-order"
        ? await addDemoOrder(prisma, config)
        : body?.do === "reset"
          ? await resetDemo(prisma, config)
          : ({ ok: false, status: 400, message: 'Say "add-order" or "reset".' } as const);
    if (!outcome.ok) return Response.json({ error: outcome.message }, { status: outcome.status });
    return Response.json({ message: outcome.message }, { headers: { "Cache-Control": "no-store" } });
  } catch (err) {
    logger.error({ err: String(err) }, "sandbox demo action failed");
    return Response.json({ error: `The sandbox could not do it: ${(err as Error).message}` }, { status: 502 });
  }
};
