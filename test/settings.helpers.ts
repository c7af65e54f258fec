import { RequestType, setUpValidRequest, setUpValidSession } from "@shopify/shopify-api/test-helpers";
import { sessionStorage } from "../app/shopify.server";

// Drives the real /app/settings and /app route modules with a valid embedded-admin session.

export const SHOP = "test-shop.myshopify.com";
const APP_URL = "https://my-test-app.myshopify.io";

export async function storeSession(shop = SHOP) {
  await sessionStorage.storeSession(setUpValidSession({ shop, scope: "read_orders,write_orders" }));
}

async function signed(request: Request, shop: string) {
  return setUpValidRequest(
    {
      type: RequestType.Admin,
      store: shop.replace(".myshopify.com", ""),
      apiKey: "testApiKey",
      apiSecretKey: "testApiSecretKey",
    },
    request,
  );
}

export async function getPage(path: string, shop = SHOP) {
  return signed(new Request(`${APP_URL}${path}`), shop);
}

export async function postForm(path: string, fields: Record<string, string>, shop = SHOP) {
  return signed(new Request(`${APP_URL}${path}`, { method: "POST", body: new URLSearchParams(fields) }), shop);
}

export { SANDBOX_PASSKEY, validAccountForm, validForm, validShopForm } from "./settings.fixtures";
