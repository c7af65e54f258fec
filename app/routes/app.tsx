import type { HeadersFunction, LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, Outlet, useLoaderData, useRouteError } from "@remix-run/react";
import { boundary } from "@shopify/shopify-app-remix/server";
import { AppProvider } from "@shopify/shopify-app-remix/react";
import { NavMenu } from "@shopify/app-bridge-react";
import { Banner } from "@shopify/polaris";
import polarisStyles from "@shopify/polaris/build/esm/styles.css?url";
import prisma from "../db.server";
import { authenticate } from "../shopify.server";
import { env } from "../lib/env.server";
import { getShopPaymentSettings } from "../modules/settings/config.server";

export const links = () => [{ rel: "stylesheet", href: polarisStyles }];

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  // Sandbox mode only: App Bridge's CDN script cannot load offline; a local stand-in does its job.
  const appBridgeUrl = env().SANDBOX_MODE ? "/sandbox/app-bridge.js" : undefined;
  // Every merchant page says so while the shop takes Daraja sandbox (test) money (issue 9, M8).
  const settings = await getShopPaymentSettings(prisma, session.shop);
  return json({ apiKey: env().SHOPIFY_API_KEY, appBridgeUrl, sandboxDaraja: settings?.environment === "sandbox" });
};

export default function App() {
  const { apiKey, appBridgeUrl, sandboxDaraja } = useLoaderData<typeof loader>();
  return (
    <AppProvider isEmbeddedApp apiKey={apiKey} {...(appBridgeUrl ? { __APP_BRIDGE_URL: appBridgeUrl } : {})}>
      <NavMenu>
        <Link to="/app" rel="home">
          Home
        </Link>
        <Link to="/app/payments">Payments</Link>
        <Link to="/app/payments/unmatched">Unmatched payments</Link>
        <Link to="/app/reconciliation">Reconciliation</Link>
        <Link to="/app/reconciliation/import">Statements</Link>
        <Link to="/app/settings">Settings</Link>
        <Link to="/app/data-requests">Data requests</Link>
      </NavMenu>
      {sandboxDaraja && (
        // As wide as the Polaris Page below it (same max width and side padding).
        <div style={{ maxWidth: "62.375rem", margin: "0 auto", padding: "1rem 1.5rem 0" }}>
          <Banner tone="warning" title="Daraja sandbox: test payments only">
            M-PESA payments use Safaricom&apos;s sandbox, so no real money moves. Orders paid this way are tagged
            mpesa-test, and on a store that is not a development store they are not marked paid unless you allow it in
            Settings.
          </Banner>
        </div>
      )}
      <Outlet />
    </AppProvider>
  );
}

export function ErrorBoundary() {
  return boundary.error(useRouteError());
}

export const headers: HeadersFunction = (headersArgs) => boundary.headers(headersArgs);
