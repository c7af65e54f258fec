import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import {
  Badge,
  Banner,
  BlockStack,
  Box,
  Button,
  Card,
  DataTable,
  InlineStack,
  Layout,
  Page,
  Text,
  TextField,
} from "@shopify/polaris";
import { useState } from "react";
import prisma from "../db.server";
import { authenticate } from "../shopify.server";
import {
  actorFrom,
  applyToOrder,
  dismissPayment,
  searchOrders,
  unmatchedQueue,
  type OrderHit,
  type QueueRow,
} from "../modules/c2b/queue.server";

// /app/payments/unmatched — paybill/till payments no order could be found for (issue 11): search the
// shop's orders, apply a payment to one, or mark it "not an order payment"; every act is audited with
// the staff member of the admin session. Thin adapter over app/modules/c2b/queue.server.ts.

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const url = new URL(request.url);
  const q = url.searchParams.get("q")?.trim() ?? "";
  const forPayment = url.searchParams.get("payment") ?? "";
  const queue = await unmatchedQueue(prisma, session.shop);
  const hits = q ? await searchOrders(prisma, session.shop, q) : [];
  return json({ ...queue, q, forPayment, hits });
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const { session, sessionToken } = await authenticate.admin(request);
  const user = session.onlineAccessInfo?.associated_user;
  const actor = actorFrom({
    userId: user?.id ?? sessionToken?.sub ?? null,
    name: user ? [user.first_name, user.last_name].filter(Boolean).join(" ") : null,
    email: user?.email ?? null,
  });
  const form = await request.formData();
  const field = (k: string) => String(form.get(k) ?? "");
  const intent = field("intent");
  const result =
    intent === "apply"
      ? await applyToOrder(
          prisma,
          session.shop,
          { paymentId: field("paymentId"), orderGid: field("orderGid"), note: field("note") },
          actor,
        )
      : intent === "dismiss"
        ? await dismissPayment(prisma, session.shop, { paymentId: field("paymentId"), note: field("note") }, actor)
        : { ok: false as const, message: "Unknown action." };
  return json(result, { status: result.ok ? 200 : 422 });
};

export default function UnmatchedPaymentsPage() {
  const view = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  return (
    <Page
      title="Unmatched paybill payments"
      subtitle="M-PESA paybill and till payments no order could be found for (times in EAT)"
      backAction={{ content: "Payments", url: "/app/payments" }}
      secondaryActions={[{ content: "Verify a payment by M-PESA code", url: "/app/payments/verify" }]}
    >
      <Layout>
        {result && (
          <Layout.Section>
            <Banner tone={result.ok ? "success" : "critical"}>{result.message}</Banner>
          </Layout.Section>
        )}
        <Layout.Section>
          {view.unmatched.length === 0 ? (
            <Card>
              <BlockStack gap="100">
                <Text as="h2" variant="headingMd">
                  Nothing to match
                </Text>
                <Text as="p" tone="subdued">
                  Every paybill and till payment has found its order.
                </Text>
              </BlockStack>
            </Card>
          ) : (
            <BlockStack gap="400">
              {view.unmatched.map((row) => (
                <PaymentCard key={row.id} row={row} view={view} />
              ))}
            </BlockStack>
          )}
        </Layout.Section>
        {view.overpaid.length > 0 && (
          <Layout.Section>
            <Card>
              <BlockStack gap="200">
                <Text as="h2" variant="headingMd">
                  Over-payments to refund
                </Text>
                <DataTable
                  columnContentTypes={["text", "text", "text", "numeric", "numeric"]}
                  headings={["Receipt", "Paid", "Order", "Amount", "Surplus"]}
                  rows={view.overpaid.map((p) => [p.receipt, p.paidAt, p.orderName ?? "", p.amount, p.surplus])}
                />
              </BlockStack>
            </Card>
          </Layout.Section>
        )}
        <Layout.Section>
          <Card>
            <BlockStack gap="200">
              <Text as="h2" variant="headingMd">
                Audit trail
              </Text>
              {view.audit.length === 0 ? (
                <Text as="p" tone="subdued">
                  No payment has been matched or dismissed by hand yet.
                </Text>
              ) : (
                <DataTable
                  columnContentTypes={["text", "text", "text", "text", "text", "text"]}
                  headings={["When", "Who", "What", "Receipt", "Order", "Note"]}
                  rows={view.audit.map((a) => [a.at, a.actor, a.action, a.receipt, a.orderName ?? "", a.note ?? ""])}
                />
              )}
            </BlockStack>
          </Card>
        </Layout.Section>
      </Layout>
    </Page>
  );
}

function PaymentCard({ row, view }: { row: QueueRow; view: { q: string; forPayment: string; hits: OrderHit[] } }) {
  const [params] = useSearchParams();
  const navigation = useNavigation();
  const searching = view.forPayment === row.id;
  const [q, setQ] = useState(searching ? view.q : row.billRef);
  const [note, setNote] = useState("");
  const busy = navigation.state !== "idle";
  return (
    <Card>
      <BlockStack gap="300">
        <InlineStack align="space-between" blockAlign="center">
          <InlineStack gap="200" blockAlign="center">
            <Text as="h2" variant="headingMd">
              {row.amount}
            </Text>
            <Text as="span" tone="subdued">
              {row.receipt} · {row.paidAt} · shortcode {row.shortCode}
            </Text>
          </InlineStack>
          <Badge tone="attention">{row.reason}</Badge>
        </InlineStack>
        <Text as="p">
          Account number typed: <b>{row.billRef || "(none)"}</b>
          {row.payer ? ` · payer ${row.payer}` : ""}
        </Text>
        {row.detail && (
          <Text as="p" tone="subdued">
            {row.detail}
          </Text>
        )}
        <Form method="get">
          <input type="hidden" name="payment" value={row.id} />
          {[...params.entries()]
            .filter(([k]) => k !== "q" && k !== "payment")
            .map(([k, v]) => (
              <input key={k} type="hidden" name={k} value={v} />
            ))}
          <InlineStack gap="200" blockAlign="end">
            <Box minWidth="280px">
              <TextField
                label="Find the order (name, account number or confirmation number)"
                name="q"
                value={q}
                onChange={setQ}
                autoComplete="off"
              />
            </Box>
            <Button submit disabled={busy}>
              Search orders
            </Button>
          </InlineStack>
        </Form>
        {searching && (
          <BlockStack gap="200">
            {view.hits.length === 0 ? (
              <Text as="p" tone="subdued">
                No order of this shop matches “{view.q}”.
              </Text>
            ) : (
              view.hits.map((hit) => (
                <Form method="post" key={hit.orderGid}>
                  <input type="hidden" name="intent" value="apply" />
                  <input type="hidden" name="paymentId" value={row.id} />
                  <input type="hidden" name="orderGid" value={hit.orderGid} />
                  <input type="hidden" name="note" value={note} />
                  <InlineStack gap="300" blockAlign="center">
                    <Text as="span" variant="bodyMd" fontWeight="semibold">
                      {hit.name}
                    </Text>
                    <Text as="span">{hit.outstanding} outstanding</Text>
                    <Badge tone={hit.state === "open" ? "info" : "warning"}>{hit.state}</Badge>
                    <Button submit variant="primary" disabled={busy || !row.applicable}>
                      {`Apply to ${hit.name}`}
                    </Button>
                  </InlineStack>
                </Form>
              ))
            )}
          </BlockStack>
        )}
        <Form method="post">
          <input type="hidden" name="intent" value="dismiss" />
          <input type="hidden" name="paymentId" value={row.id} />
          <InlineStack gap="200" blockAlign="end">
            <Box minWidth="280px">
              <TextField
                label="Note (what the payment was, or why you applied it)"
                name="note"
                value={note}
                onChange={setNote}
                autoComplete="off"
              />
            </Box>
            <Button submit disabled={busy}>
              Not an order payment
            </Button>
          </InlineStack>
        </Form>
      </BlockStack>
    </Card>
  );
}
