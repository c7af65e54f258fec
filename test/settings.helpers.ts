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
    { type: RequestType.Admin, store: shop.replace(".myshopify.com", ""), apiKey: "testApiKey", apiSecretKey: "testApiSecretKey" },
    request,
  );
}

export async function getPage(path: string, shop = SHOP) {
  return signed(new Request(`${APP_URL}${path}`), shop);
}

export async function postForm(path: string, fields: Record<string, string>, shop = SHOP) {
  return signed(new Request(`${APP_URL}${path}`, { method: "POST", body: new URLSearchParams(fields) }), shop);
}

export const SANDBOX_PASSKEY = "bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919";

/** A complete, valid paybill form. */
export function validForm(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    intent: "save",
    environment: "sandbox",
    shortcodeType: "paybill",
    businessShortCode: "174379",
    tillNumber: "",
    consumerKey: "emulator-consumer-key",
    consumerSecret: "emulator-consumer-secret",
    passkey: SANDBOX_PASSKEY,
    paymentMethodName: "M-PESA",
    accountReferenceTemplate: "INV{order_number}",
    initiatorName: "",
    initiatorPassword: "",
    securityCredential: "",
    ...overrides,
  };
}
