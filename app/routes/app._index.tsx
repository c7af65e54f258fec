import type { LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { Badge, BlockStack, Button, Card, InlineStack, Layout, Page, Text } from "@shopify/polaris";
import prisma from "../db.server";
import { authenticate } from "../shopify.server";
import { loadSettingsPage } from "../modules/settings/use-cases.server";
import { SetupChecklist } from "../modules/settings/ui/setup-checklist";
import { integrationHealth } from "../modules/health/integration-health.server";
import { HealthBanners } from "../modules/health/ui/health-banners";
import { latestRunAttention } from "../modules/reconciliation/run/report.server";
import { ReconciliationBanner } from "../modules/reconciliation/ui/home-banner";

// /app — status at a glance and what is left to set up. Only non-secret fields leave the loader.

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const [{ view, checklist, callbackUrl }, health] = await Promise.all([
    loadSettingsPage({ db: prisma }, session.shop),
    integrationHealth(prisma, session.shop),
  ]);
  return json({
    configured: view.configured,
    environment: view.values.environment,
    paymentMethodName: view.values.paymentMethodName,
    checklist,
    callbackUrl,
    health,
    reconciliation: await latestRunAttention(prisma, session.shop),
  });
};

export default function Index() {
  const { configured, environment, paymentMethodName, checklist, callbackUrl, health, reconciliation } =
    useLoaderData<typeof loader>();
  return (
    <Page title="M-PESA Checkout">
      <Layout>
        <HealthBanners banners={health} />
        <ReconciliationBanner latest={reconciliation} />
        <Layout.Section>
          <Card>
            <BlockStack gap="300">
              <InlineStack gap="200" blockAlign="center">
                <Text as="h2" variant="headingMd">
                  Status
                </Text>
                {configured ? (
                  <Badge tone={environment === "production" ? "success" : "info"}>
                    {environment === "production" ? "Live (production)" : "Sandbox"}
                  </Badge>
                ) : (
                  <Badge tone="attention">Not configured</Badge>
                )}
              </InlineStack>
              <Text as="p">
                {configured
                  ? `Customers who choose "${paymentMethodName}" can pay with an M-PESA prompt on the thank-you and order-status pages.`
                  : "Add your Daraja credentials to start taking M-PESA payments on the thank-you and order-status pages."}
              </Text>
              <InlineStack>
                <Button url="/app/settings" variant={configured ? "secondary" : "primary"}>
                  {configured ? "Edit settings" : "Set up M-PESA"}
                </Button>
              </InlineStack>
            </BlockStack>
          </Card>
        </Layout.Section>
        <Layout.Section>
          <SetupChecklist items={checklist} callbackUrl={callbackUrl} />
        </Layout.Section>
      </Layout>
    </Page>
  );
}
