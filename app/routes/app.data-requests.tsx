import type { LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { Badge, BlockStack, Box, Button, Card, InlineStack, Layout, Page, Text } from "@shopify/polaris";
import { useState } from "react";
import prisma from "../db.server";
import { listDataRequestViews, type DataRequestView } from "../modules/webhooks";
import { authenticate } from "../shopify.server";

// /app/data-requests — the reports assembled for customers/data_request webhooks. Shopify does not
// collect them from the app: the merchant reads them here and sends them to the customer.

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  return json({ requests: await listDataRequestViews(prisma, session.shop) });
};

export default function DataRequestsPage() {
  const { requests } = useLoaderData<typeof loader>();
  return (
    <Page title="Customer data requests" backAction={{ content: "Home", url: "/app" }}>
      <Layout>
        <Layout.Section>
          <BlockStack gap="400">
            <Card>
              <Text as="p">
                When a customer asks your store for their data, Shopify tells this app, and the app lists here what it
                holds about them: M-PESA orders, payment attempts (amounts, statuses, receipts, phone numbers) and the
                number of M-PESA callbacks received. Send the report to the customer within 30 days.
              </Text>
            </Card>
            {requests.length === 0 ? (
              <Card>
                <Text as="p" tone="subdued">
                  No data requests yet.
                </Text>
              </Card>
            ) : (
              requests.map((r) => <RequestCard key={r.id} request={r} />)
            )}
          </BlockStack>
        </Layout.Section>
      </Layout>
    </Page>
  );
}

function RequestCard({ request }: { request: DataRequestView }) {
  const [open, setOpen] = useState(false);
  return (
    <Card>
      <BlockStack gap="300">
        <InlineStack align="space-between" blockAlign="center">
          <BlockStack gap="100">
            <Text as="h2" variant="headingSm">
              Customer {request.customerId?.replace("gid://shopify/Customer/", "") ?? "unknown"}
            </Text>
            <Text as="p" tone="subdued">
              Received {new Date(request.receivedAt).toLocaleString()}
              {request.requestId ? ` · request ${request.requestId}` : ""}
            </Text>
          </BlockStack>
          <InlineStack gap="200" blockAlign="center">
            <Badge>{`${request.orders} orders`}</Badge>
            <Badge>{`${request.paymentAttempts} payment attempts`}</Badge>
            <Button onClick={() => setOpen(!open)} ariaExpanded={open}>
              {open ? "Hide JSON" : "View JSON"}
            </Button>
          </InlineStack>
        </InlineStack>
        {open && (
          <Box background="bg-surface-secondary" padding="300" borderRadius="200" overflowX="scroll">
            <pre style={{ margin: 0, fontSize: 12 }}>{request.json}</pre>
          </Box>
        )}
      </BlockStack>
    </Card>
  );
}
