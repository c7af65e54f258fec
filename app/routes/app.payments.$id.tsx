import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { Badge, Banner, BlockStack, Layout, Page, Text } from "@shopify/polaris";
import prisma from "../db.server";
import { authenticate } from "../shopify.server";
import { getPaymentAttemptDetail } from "../modules/payments/dashboard/index.server";
import { merchantRefundAction, refundsPanel } from "../modules/refunds/merchant.server";
import { refundsDeps } from "../refunds.server";
import { reviewAction, reviewPanel } from "../modules/refunds/review.server";
import { ReviewActions, ReviewResolution } from "../ui/refunds/review-actions";
import { RefundsCard } from "../ui/refunds/refunds-card";
import { FactsCard } from "../ui/facts-card";
import { paymentsDeps } from "../payments.server";
import { env } from "../lib/env.server";
import { orderUrl as orderUrlOf } from "../modules/payments/dashboard/index.server";
import { callbackLogAction, isCallbackIntent } from "../modules/payments/dashboard/callback-actions.server";
import { CallbackLog } from "../modules/payments/dashboard/ui/CallbackLog";

// /app/payments/:id — one attempt's facts, what to do when it needs review, and its stored
// callbacks. Another shop's attempt is answered exactly like a missing one: 404.

export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const detail = await getPaymentAttemptDetail(prisma, session.shop, params.id ?? "");
  if (!detail) throw new Response("Payment not found", { status: 404 });
  const e = env();
  const orderUrl = orderUrlOf(detail.orderGid, {
    standinOrigin: e.SANDBOX_MODE ? (e.SHOPIFY_ADMIN_API_ORIGIN ?? null) : null,
  });
  return json({
    ...detail,
    orderUrl,
    refunds: await refundsPanel({ db: prisma }, session.shop, params.id ?? ""),
    reviewPanel: await reviewPanel({ db: prisma }, session.shop, params.id ?? ""),
  });
};

// The merchant's refund actions (app/modules/refunds/merchant.server.ts, docs/REFUNDS.md).
export const action = async ({ request, params }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const by = session.onlineAccessInfo?.associated_user?.email ?? `staff of ${session.shop}`;
  const form = await request.formData();
  // Replay / re-verify from the callback log (app/modules/payments/dashboard/callback-actions.server.ts).
  if (isCallbackIntent(form.get("intent"))) {
    const answer = await callbackLogAction(await paymentsDeps(), session.shop, params.id ?? "", form, by);
    return json(answer, { status: answer.ok ? 200 : 400 });
  }
  const intent = String(form.get("intent") ?? "");
  // A review's actions (app/modules/refunds/review.server.ts) or a refund's.
  const result = intent.startsWith("review-")
    ? {
        ...(await reviewAction(await refundsDeps(), session.shop, params.id ?? "", intent.slice(7), form, by)),
        review: true,
      }
    : { ...(await merchantRefundAction(await refundsDeps(), session.shop, params.id ?? "", form, by)), review: false };
  return json(result, { status: result.ok ? 200 : 400 });
};

export default function PaymentPage() {
  const d = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const refundResult =
    result && "review" in result && !result.review
      ? result.ok
        ? { ok: true as const, message: result.message }
        : { ok: false as const, error: result.error }
      : null;
  const busy = useNavigation().state !== "idle";
  const resolved = d.reviewPanel?.resolution ? d.reviewPanel : null;
  return (
    <Page
      title={`Payment for ${d.orderName}`}
      titleMetadata={<Badge tone={d.statusTone}>{d.statusLabel}</Badge>}
      backAction={{ content: "Payments", url: "/app/payments" }}
      secondaryActions={
        d.orderUrl
          ? [{ content: "Open order", url: d.orderUrl, target: d.orderUrl.startsWith("shopify:") ? "_top" : "_blank" }]
          : []
      }
    >
      <Layout>
        {d.review && (
          <Layout.Section>
            <Banner
              tone={resolved ? "info" : "critical"}
              title={`${resolved ? "Reviewed" : "Needs review"}: ${d.review.summary}`}
            >
              <BlockStack gap="200">
                {!resolved && <Text as="p">{d.review.action}</Text>}
                {d.review.reason && (
                  <Text as="p" tone="subdued">
                    Particulars: {d.review.reason}
                  </Text>
                )}
                {result && "review" in result && result.review && (
                  <Text as="p" tone={result.ok ? "success" : "critical"}>
                    {result.ok ? result.message : result.error}
                  </Text>
                )}
                {d.reviewPanel && <ReviewActions panel={d.reviewPanel} busy={busy} />}
                {resolved && <ReviewResolution panel={resolved} />}
              </BlockStack>
            </Banner>
          </Layout.Section>
        )}
        {!d.review && resolved && (
          <Layout.Section>
            <Banner tone="info" title="Reviewed">
              <BlockStack gap="100">
                {result && "review" in result && result.review && result.ok && <Text as="p">{result.message}</Text>}
                <ReviewResolution panel={resolved} />
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
          <FactsCard title="Details" facts={d.facts} />
        </Layout.Section>
        {d.refunds && (
          <Layout.Section>
            <RefundsCard panel={d.refunds} result={refundResult} />
          </Layout.Section>
        )}
        <Layout.Section>
          <CallbackLog callbacks={d.callbacks} callbackCount={d.callbackCount} canReverify={d.canReverify} />
        </Layout.Section>
      </Layout>
    </Page>
  );
}
