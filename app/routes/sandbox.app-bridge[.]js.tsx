import type { LoaderFunctionArgs } from "@remix-run/node";
import { appBridgeShimScript } from "../modules/sandbox/app-bridge-shim";
import { sandboxConfig, tokenKeys } from "../modules/sandbox/config.server";
import { DEMO_SHOP } from "../modules/sandbox/demo";
import { notFoundUnlessSandbox } from "../modules/sandbox/page.server";
import { ADMIN_ID_TOKEN_TTL_SECONDS, signAdminIdToken } from "../modules/sandbox/session-tokens.server";

// GET /sandbox/app-bridge.js — sandbox mode only: the offline App Bridge stand-in the embedded
// pages load instead of Shopify's CDN script (app/routes/app.tsx passes it to AppProvider).
export const loader = async (_args: LoaderFunctionArgs) => {
  notFoundUnlessSandbox(sandboxConfig());
  const keys = tokenKeys();
  const token = await signAdminIdToken(keys, { shop: DEMO_SHOP });
  const script = appBridgeShimScript({
    token,
    ttlSeconds: ADMIN_ID_TOKEN_TTL_SECONDS,
    apiKey: keys.apiKey,
    shop: DEMO_SHOP,
  });
  return new Response(script, {
    headers: { "Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "no-store" },
  });
};
