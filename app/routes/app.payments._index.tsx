import type { LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { useLoaderData, useNavigate } from "@remix-run/react";
import { Badge, Card, EmptyState, IndexTable, Layout, Link, Page, Tabs, Text } from "@shopify/polaris";
import prisma from "../db.server";
import { authenticate } from "../shopify.server";
import { listPaymentAttempts, parseListQuery } from "../modules/payments/dashboard/index.server";

// /app/payments — every M-PESA payment attempt of the shop, newest first; read-only.
// Thin adapter: authenticate, read the tab and page from the URL, return the list view.

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const query = parseListQuery(new URL(request.url).searchParams);
  return json(await listPaymentAttempts(prisma, session.shop, query));
};

const EMPTY_IMAGE = "https://cdn.shopify.com/s/files/1/0262/4071/2726/files/emptystate-files.png";

export default function PaymentsPage() {
  const view = useLoaderData<typeof loader>();
  const navigate = useNavigate();
  const go = (tab: string, page: number) => navigate(`?status=${tab}${page > 1 ? `&page=${page}` : ""}`);
  const selected = Math.max(
    0,
    view.tabs.findIndex((t) => t.id === view.tab),
  );

  if (view.tabs[0].count === 0) {
    return (
      <Page title="Payments" backAction={{ content: "Home", url: "/app" }}>
        <Card>
          <EmptyState heading="No M-PESA payments yet" image={EMPTY_IMAGE}>
            <p>When customers pay with M-PESA on the thank-you or order-status page, every attempt appears here.</p>
          </EmptyState>
        </Card>
      </Page>
    );
  }

  return (
    <Page
      title="Payments"
      subtitle="M-PESA payment attempts, newest first (times in EAT)"
      backAction={{ content: "Home", url: "/app" }}
    >
      <Layout>
        <Layout.Section>
          <Card padding="0">
            <Tabs
              tabs={view.tabs.map((t) => ({ id: t.id, content: t.label, badge: String(t.count) }))}
              selected={selected}
              onSelect={(i) => go(view.tabs[i].id, 1)}
            />
            <IndexTable
              resourceName={{ singular: "payment", plural: "payments" }}
              itemCount={view.rows.length}
              selectable={false}
              emptyState={
                <Text as="p" tone="subdued" alignment="center">
                  No payments in this view.
                </Text>
              }
              headings={[
                { title: "Date" },
                { title: "Order" },
                { title: "Amount", alignment: "end" },
                { title: "Phone" },
                { title: "Status" },
                { title: "Receipt" },
                { title: "In Shopify" },
                { title: "Review reason" },
              ]}
              pagination={{
                hasPrevious: view.page > 1,
                hasNext: view.page < view.pageCount,
                onPrevious: () => go(view.tab, view.page - 1),
                onNext: () => go(view.tab, view.page + 1),
                label: `Page ${view.page} of ${view.pageCount}`,
              }}
            >
              {view.rows.map((r, i) => (
                <IndexTable.Row id={r.id} key={r.id} position={i}>
                  <IndexTable.Cell>{r.createdAt}</IndexTable.Cell>
                  <IndexTable.Cell>
                    <Link url={`/app/payments/${r.id}`} dataPrimaryLink removeUnderline>
                      {r.orderName}
                    </Link>
                  </IndexTable.Cell>
                  <IndexTable.Cell>
                    <Text as="span" alignment="end" numeric>
                      {r.amount}
                    </Text>
                  </IndexTable.Cell>
                  <IndexTable.Cell>{r.phoneMasked}</IndexTable.Cell>
                  <IndexTable.Cell>
                    <Badge tone={r.statusTone}>{r.statusLabel}</Badge>
                  </IndexTable.Cell>
                  <IndexTable.Cell>{r.receipt}</IndexTable.Cell>
                  <IndexTable.Cell>{r.recordedInShopify ? "Yes" : "No"}</IndexTable.Cell>
                  <IndexTable.Cell>{r.reviewSummary ?? ""}</IndexTable.Cell>
                </IndexTable.Row>
              ))}
            </IndexTable>
          </Card>
        </Layout.Section>
      </Layout>
    </Page>
  );
}
