import type { LoaderFunctionArgs } from "@remix-run/node";
import prisma from "../db.server";
import { activity, notFoundUnlessSandbox } from "../modules/sandbox/page.server";
import { sandboxConfig } from "../modules/sandbox/config.server";

// GET /sandbox/activity — sandbox mode only: what happened underneath (polled by the sandbox page).
export const loader = async (_args: LoaderFunctionArgs) => {
  const config = sandboxConfig();
  notFoundUnlessSandbox(config);
  return Response.json(await activity(prisma, config), { headers: { "Cache-Control": "no-store" } });
};
