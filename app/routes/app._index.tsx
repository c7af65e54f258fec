import type { LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { Badge, Banner, BlockStack, Button, Card, InlineStack, Layout, Page, Text } from "@shopify/polaris";
import prisma from "../db.server";
import { authenticate } from "../shopify.server";
import { loadSettingsPage } from "../modules/settings/use-cases.server";
import { SetupChecklist } from "../modules/settings/ui/setup-checklist";
import { countNeedsReview } from "../modules/payments/dashboard/index.server";
import { countUnmatched } from "../modules/c2b/queue.server";
import { latestRunAttention } from "../modules/reconciliation/run/report.server";
import { ReconciliationBanner } from "../modules/reconciliation/ui/home-banner";

// /app — status at a glance and what is left to set up. Only non-secret fields leave the loader.

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const { view, checklist, callbackUrl } = await loadSettingsPage({ db: prisma }, session.shop);
  return json({
    configured: view.configured,
    environment: view.values.environment,
    paymentMethodName: view.values.paymentMethodName,
    checklist,
    callbackUrl,
    needsReview: await countNeedsReview(prisma, session.shop),
    unmatched: await countUnmatched(prisma, session.shop),
    reconciliation: await latestRunAttention(prisma, session.shop),
  });
};

export default function Index() {
  const { configured, environment, paymentMethodName, checklist, callbackUrl, needsReview, unmatched } =
    useLoaderData<typeof loader>();
  const { reconciliation } = useLoaderData<typeof loader>();
  return (
    <Page title="M-PESA Checkout">
      <Layout>
        {needsReview > 0 && (
          <Layout.Section>
            <Banner
              tone="critical"
              title={needsReview === 1 ? "1 payment needs review" : `${needsReview} payments need review`}
              action={{ content: "Review payments", url: "/app/payments?status=needs_review" }}
            >
              M-PESA money arrived in a way the app could not settle by itself (for example a second payment or a short
              amount).
            </Banner>
          </Layout.Section>
        )}
        {unmatched > 0 && (
          <Layout.Section>
            <Banner
              tone="warning"
              title={
                unmatched === 1
                  ? "1 paybill payment waits to be matched"
                  : `${unmatched} paybill payments wait to be matched`
              }
              action={{ content: "Match payments", url: "/app/payments/unmatched" }}
            >
              Customers paid your paybill or till with an account number no order could be found for.
            </Banner>
          </Layout.Section>
        )}
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
