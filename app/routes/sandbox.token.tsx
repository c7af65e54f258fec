import type { LoaderFunctionArgs } from "@remix-run/node";
import { sandboxConfig, tokenKeys } from "../modules/sandbox/config.server";
import { DEMO_SHOP } from "../modules/sandbox/demo";
import { notFoundUnlessSandbox } from "../modules/sandbox/page.server";
import { signCheckoutSessionToken } from "../modules/sandbox/session-tokens.server";

// GET /sandbox/token — sandbox mode only: what `shopify.sessionToken.get()` gives the checkout
// extension, signed here with the app secret for the demo shop.
export const loader = async (_args: LoaderFunctionArgs) => {
  notFoundUnlessSandbox(sandboxConfig());
  const token = await signCheckoutSessionToken(tokenKeys(), { shop: DEMO_SHOP });
  return Response.json({ token }, { headers: { "Cache-Control": "no-store" } });
};
