import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { useState } from "react";
import { AppProvider, Banner, BlockStack, Box, InlineGrid, Link, List, Page, Text } from "@shopify/polaris";
import en from "@shopify/polaris/locales/en.json";
import polarisStyles from "@shopify/polaris/build/esm/styles.css?url";
import prisma from "../db.server";
import { sandboxConfig, tokenKeys } from "../modules/sandbox/config.server";
import { DEMO_SHOP } from "../modules/sandbox/demo";
import { demoOrders, notFoundUnlessSandbox, safetyProblems, type SandboxOrder } from "../modules/sandbox/page.server";
import { embeddedAppUrl } from "../modules/sandbox/session-tokens.server";
import { ActivityPanel, useActivity } from "../modules/sandbox/ui/ActivityPanel";
import { DemoControls } from "../modules/sandbox/ui/DemoControls";
import { ShopperPanel } from "../modules/sandbox/ui/ShopperPanel";
import sandboxStyles from "../modules/sandbox/ui/sandbox.css?url";

// GET /sandbox — sandbox mode only (404 otherwise): the shopper's side of a payment, through the
// same /api/pay routes and session-token check as the checkout extension, and what happened underneath.

export const links = () => [
  { rel: "stylesheet", href: polarisStyles },
  { rel: "stylesheet", href: sandboxStyles },
];
export const meta: MetaFunction = () => [{ title: "M-PESA Checkout · local sandbox" }];

export const loader = async (_args: LoaderFunctionArgs) => {
  const config = sandboxConfig();
  notFoundUnlessSandbox(config);
  const problems = await safetyProblems(prisma, config);
  if (problems.length)
    return json({ problems, orders: [] as SandboxOrder[], settingsUrl: null, shop: DEMO_SHOP }, { status: 503 });
  return json({
    problems,
    orders: await demoOrders(prisma, config),
    settingsUrl: await embeddedAppUrl(tokenKeys(), DEMO_SHOP, "/app/settings"),
    shop: DEMO_SHOP,
  });
};

export default function SandboxPage() {
  const data = useLoaderData<typeof loader>();
  const [orders, setOrders] = useState(data.orders);
  const activity = useActivity(data.problems.length ? undefined : setOrders);
  return (
    <AppProvider i18n={en}>
      <Page
        fullWidth
        title="M-PESA Checkout — local sandbox"
        subtitle={`Demo shop ${data.shop} · Daraja emulator and Shopify Admin stand-in on this machine · no real money moves`}
      >
        {data.problems.length ? (
          <Banner tone="critical" title="The sandbox refuses to run">
            <List>
              {data.problems.map((p) => (
                <List.Item key={p}>{p}</List.Item>
              ))}
            </List>
          </Banner>
        ) : (
          <BlockStack gap="400">
            <Box>
              <Text as="p" tone="subdued">
                Play the shopper: pick an order, enter a phone number, choose how the phone answers and pay. The page
                calls the app’s checkout API with a session token, exactly as the thank-you page block does.{" "}
                {data.settingsUrl && (
                  <Link url={data.settingsUrl} target="_blank">
                    Open the merchant’s M-PESA settings
                  </Link>
                )}{" "}
                <Link url="/sandbox/mail" target="_blank">
                  Mail the app sent
                </Link>
              </Text>
            </Box>
            <DemoControls />
            <InlineGrid columns={{ xs: 1, md: ["oneThird", "twoThirds"] }} gap="400">
              <ShopperPanel orders={orders} />
              <BlockStack gap="200">
                <Text as="h2" variant="headingMd">
                  Underneath
                </Text>
                <ActivityPanel data={activity} />
              </BlockStack>
            </InlineGrid>
          </BlockStack>
        )}
      </Page>
    </AppProvider>
  );
}
