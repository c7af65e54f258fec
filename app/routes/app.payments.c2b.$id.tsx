import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { useActionData, useLoaderData } from "@remix-run/react";
import { Badge, Layout, Page } from "@shopify/polaris";
import prisma from "../db.server";
import { authenticate } from "../shopify.server";
import { env } from "../lib/env.server";
import { c2bPaymentDetail } from "../modules/payments/dashboard/c2b-detail.server";
import { orderUrl as orderUrlOf } from "../modules/payments/dashboard/index.server";
import { c2bRefundAction, c2bRefundsPanel } from "../modules/refunds/merchant.server";
import { refundsDeps } from "../refunds.server";
import { RefundsCard } from "../ui/refunds/refunds-card";
import { FactsCard } from "../ui/facts-card";

// /app/payments/c2b/:id — one paybill/till payment (typed by the customer in the M-PESA menu): its
// facts in words and its receipt's refunds. Another shop's payment is answered like a missing one: 404.

export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const detail = await c2bPaymentDetail(prisma, session.shop, params.id ?? "");
  if (!detail) throw new Response("Payment not found", { status: 404 });
  const e = env();
  return json({
    ...detail,
    orderUrl: orderUrlOf(detail.orderGid, {
      standinOrigin: e.SANDBOX_MODE ? (e.SHOPIFY_ADMIN_API_ORIGIN ?? null) : null,
    }),
    refunds: await c2bRefundsPanel({ db: prisma }, session.shop, params.id ?? ""),
  });
};

export const action = async ({ request, params }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const by = session.onlineAccessInfo?.associated_user?.email ?? `staff of ${session.shop}`;
  const result = await c2bRefundAction(
    await refundsDeps(),
    session.shop,
    params.id ?? "",
    await request.formData(),
    by,
  );
  return json(result, { status: result.ok ? 200 : 400 });
};

export default function C2bPaymentPage() {
  const d = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() ?? null;
  return (
    <Page
      title={`${d.channel} payment ${d.receipt}`}
      titleMetadata={<Badge tone={d.statusTone}>{d.statusLabel}</Badge>}
      backAction={{ content: "Payments", url: "/app/payments" }}
      secondaryActions={d.orderUrl ? [{ content: `Open order ${d.orderName ?? ""}`.trim(), url: d.orderUrl }] : []}
    >
      <Layout>
        <Layout.Section>
          <FactsCard title="Details" facts={d.facts} />
        </Layout.Section>
        {d.refunds && (
          <Layout.Section>
            <RefundsCard panel={d.refunds} result={result} />
          </Layout.Section>
        )}
      </Layout>
    </Page>
  );
}
