import { env } from "../../lib/env.server";
import type { SandboxConfig } from "./page.server";

/** The settings the sandbox routes need, read from the validated environment. */
export function sandboxConfig(): SandboxConfig {
  const e = env();
  return {
    sandboxMode: e.SANDBOX_MODE,
    darajaSandboxBaseUrl: e.DARAJA_SANDBOX_BASE_URL,
    darajaProductionBaseUrl: e.DARAJA_PRODUCTION_BASE_URL,
    adminApiOrigin: e.SHOPIFY_ADMIN_API_ORIGIN,
  };
}

export const tokenKeys = () => ({ apiKey: env().SHOPIFY_API_KEY, apiSecret: env().SHOPIFY_API_SECRET });

/** What "Add a demo order" and "Reset" need beyond the page's settings: the app's own address and secret. */
export function demoAdminConfig() {
  const e = env();
  return {
    ...sandboxConfig(),
    appUrl: e.SHOPIFY_APP_URL,
    apiSecret: e.SHOPIFY_API_SECRET,
    callbackBaseUrl: e.CALLBACK_BASE_URL ?? e.SHOPIFY_APP_URL,
  };
}
export type DemoAdminConfig = ReturnType<typeof demoAdminConfig>;
