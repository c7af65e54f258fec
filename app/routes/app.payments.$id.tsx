import type { LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { Badge, Banner, BlockStack, Box, Card, InlineGrid, InlineStack, Layout, Page, Text } from "@shopify/polaris";
import prisma from "../db.server";
import { authenticate } from "../shopify.server";
import { getPaymentAttemptDetail, type CallbackView } from "../modules/payments/dashboard/index.server";

// /app/payments/:id — one attempt's facts, what to do when it needs review, and its stored
// callbacks. Another shop's attempt is answered exactly like a missing one: 404.

export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const detail = await getPaymentAttemptDetail(prisma, session.shop, params.id ?? "");
  if (!detail) throw new Response("Payment not found", { status: 404 });
  return json(detail);
};

export default function PaymentPage() {
  const d = useLoaderData<typeof loader>();
  return (
    <Page
      title={`Payment for ${d.orderName}`}
      titleMetadata={<Badge tone={d.statusTone}>{d.statusLabel}</Badge>}
      backAction={{ content: "Payments", url: "/app/payments" }}
      secondaryActions={
        d.orderId ? [{ content: "Open order", url: `shopify://admin/orders/${d.orderId}`, target: "_top" }] : []
      }
    >
      <Layout>
        {d.review && (
          <Layout.Section>
            <Banner tone="critical" title={`Needs review: ${d.review.summary}`}>
              <BlockStack gap="200">
                <Text as="p">{d.review.action}</Text>
                <Text as="p" tone="subdued">
                  Recorded reason: {d.review.reason}
                </Text>
              </BlockStack>
            </Banner>
          </Layout.Section>
        )}
        {d.otherPhone && (
          <Layout.Section>
            <Banner tone="warning" title={`Sent to ${d.otherPhone}, not the order's phone number`}>
              <Text as="p">
                The shopper had the M-PESA prompt sent to a phone that is not on the order. That is often fine (a
                relative pays); if the order looks unusual, check with the customer before you ship.
              </Text>
            </Banner>
          </Layout.Section>
        )}
        <Layout.Section>
          <Card>
            <BlockStack gap="200">
              <Text as="h2" variant="headingMd">
                Details
              </Text>
              {d.facts.map((f) => (
                <InlineGrid key={f.label} columns={["oneThird", "twoThirds"]} gap="400">
                  <Text as="span" tone="subdued">
                    {f.label}
                  </Text>
                  <Text as="span" breakWord>
                    {f.value}
                  </Text>
                </InlineGrid>
              ))}
            </BlockStack>
          </Card>
        </Layout.Section>
        <Layout.Section>
          <Card>
            <BlockStack gap="300">
              <Text as="h2" variant="headingMd">
                Callbacks from Safaricom
              </Text>
              {d.callbacks.length === 0 ? (
                <Text as="p" tone="subdued">
                  No callback has been received for this payment.
                </Text>
              ) : (
                <>
                  {d.callbackCount > d.callbacks.length && (
                    <Text
                      as="p"
                      tone="subdued"
                    >{`Showing the newest ${d.callbacks.length} of ${d.callbackCount}.`}</Text>
                  )}
                  {d.callbacks.map((c) => (
                    <CallbackCard key={c.id} callback={c} />
                  ))}
                </>
              )}
            </BlockStack>
          </Card>
        </Layout.Section>
      </Layout>
    </Page>
  );
}

function CallbackCard({ callback: c }: { callback: CallbackView }) {
  return (
    <Box borderColor="border" borderWidth="025" borderRadius="200" padding="300">
      <BlockStack gap="200">
        <InlineStack gap="300" blockAlign="center" wrap>
          <Badge>{c.status}</Badge>
          <Text as="span">Received {c.receivedAt}</Text>
          {c.sourceIp && <Text as="span" tone="subdued">{`from ${c.sourceIp}`}</Text>}
          {c.processedAt && <Text as="span" tone="subdued">{`processed ${c.processedAt}`}</Text>}
        </InlineStack>
        {c.error && (
          <Text as="p" tone="caution">
            {c.error}
          </Text>
        )}
        <Box background="bg-surface-secondary" padding="300" borderRadius="200" overflowX="scroll">
          <pre style={{ margin: 0, fontSize: 12 }}>{c.body}</pre>
        </Box>
      </BlockStack>
    </Box>
  );
}
