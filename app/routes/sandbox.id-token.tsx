import type { LoaderFunctionArgs } from "@remix-run/node";
import { sandboxConfig, tokenKeys } from "../modules/sandbox/config.server";
import { DEMO_SHOP } from "../modules/sandbox/demo";
import { notFoundUnlessSandbox } from "../modules/sandbox/page.server";
import { ADMIN_ID_TOKEN_TTL_SECONDS, signAdminIdToken } from "../modules/sandbox/session-tokens.server";

// GET /sandbox/id-token — sandbox mode only: what App Bridge's `shopify.idToken()` returns, for the demo shop.
export const loader = async (_args: LoaderFunctionArgs) => {
  notFoundUnlessSandbox(sandboxConfig());
  const token = await signAdminIdToken(tokenKeys(), { shop: DEMO_SHOP });
  return Response.json({ token, ttlSeconds: ADMIN_ID_TOKEN_TTL_SECONDS }, { headers: { "Cache-Control": "no-store" } });
};
