import "@shopify/shopify-app-remix/adapters/node";
import { ApiVersion, AppDistribution, shopifyApp } from "@shopify/shopify-app-remix/server";
import prisma from "./db.server";
import { env } from "./lib/env.server";
import { secretBoxFromEnv } from "./modules/settings/config.server";
import { installAdminApiOrigin } from "./modules/shopify/admin-origin.server";
import { SealedPrismaSessionStorage } from "./modules/shopify/session-storage.server";

const config = env();

// Sandbox and tests only (refused in production by env validation): Admin API calls go to the stand-in.
if (config.SHOPIFY_ADMIN_API_ORIGIN) installAdminApiOrigin(config.SHOPIFY_ADMIN_API_ORIGIN);

export const API_VERSION = ApiVersion.July26;

const shopify = shopifyApp({
  apiKey: config.SHOPIFY_API_KEY,
  apiSecretKey: config.SHOPIFY_API_SECRET,
  apiVersion: API_VERSION,
  scopes: config.SCOPES.split(","),
  appUrl: config.SHOPIFY_APP_URL,
  authPathPrefix: "/auth",
  sessionStorage: new SealedPrismaSessionStorage(prisma, secretBoxFromEnv(config)), // tokens sealed at rest
  distribution: AppDistribution.AppStore,
  future: { unstable_newEmbeddedAuthStrategy: true, expiringOfflineAccessTokens: true },
  hooks: {
    afterAuth: async ({ session }) => {
      await prisma.shop.upsert({
        where: { domain: session.shop },
        create: { domain: session.shop },
        update: { uninstalledAt: null },
      });
    },
  },
});

export default shopify;
export const apiVersion = API_VERSION;
export const addDocumentResponseHeaders = shopify.addDocumentResponseHeaders;
export const authenticate = shopify.authenticate;
export const unauthenticated = shopify.unauthenticated;
export const login = shopify.login;
export const registerWebhooks = shopify.registerWebhooks;
export const sessionStorage = shopify.sessionStorage;
