import type { LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import { Card, EmptyState, Layout, Page } from "@shopify/polaris";
import prisma from "../db.server";
import { env } from "../lib/env.server";
import { authenticate } from "../shopify.server";
import { listPayments, parsePaymentFilters } from "../modules/payments/dashboard/index.server";
import { PaymentsTable } from "../modules/payments/dashboard/ui/PaymentsTable";
import { PaymentsTotals } from "../modules/payments/dashboard/ui/PaymentsTotals";
import { filtersToParams } from "../modules/payments/dashboard/filters";
import { useExportCsv } from "../modules/payments/dashboard/ui/use-export-csv";
import { paymentCharts, readChartPeriod } from "../modules/payments/dashboard/charts.server";
import { PaymentCharts } from "../modules/payments/dashboard/ui/PaymentCharts";

// /app/payments — the shop's M-PESA payments, one row per order with its payments inside; filters
// (search, status, channel, EAT date range) live in the URL; totals and the CSV export follow them.
// Thin adapter: authenticate, read the filters, return the view (app/modules/payments/dashboard/).

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const search = new URL(request.url).searchParams;
  const filters = parsePaymentFilters(search);
  const e = env();
  const view = await listPayments(prisma, session.shop, filters, {
    standinOrigin: e.SANDBOX_MODE ? (e.SHOPIFY_ADMIN_API_ORIGIN ?? null) : null,
  });
  const anyAtAll =
    view.totals.payments > 0 ||
    (await prisma.paymentAttempt.count({ where: { shopDomain: session.shop }, take: 1 })) > 0 ||
    (await prisma.c2bPayment.count({ where: { shopDomain: session.shop }, take: 1 })) > 0;
  const charts = await paymentCharts(prisma, session.shop, readChartPeriod(search.get("chartDays")));
  return json({ ...view, filters, anyAtAll, charts });
};

const EMPTY_IMAGE = "https://cdn.shopify.com/s/files/1/0262/4071/2726/files/emptystate-files.png";

export default function PaymentsPage() {
  const view = useLoaderData<typeof loader>();
  const loading = useNavigation().state === "loading";
  const [params, setParams] = useSearchParams();
  const setChartDays = (days: string) => {
    const next = new URLSearchParams(params);
    next.set("chartDays", days);
    setParams(next, { preventScrollReset: true });
  };
  const { exporting, exportCsv, exportError } = useExportCsv();
  const exportQuery = filtersToParams(view.filters).toString();

  if (!view.anyAtAll) {
    return (
      <Page title="Payments" backAction={{ content: "Home", url: "/app" }}>
        <Card>
          <EmptyState heading="No M-PESA payments yet" image={EMPTY_IMAGE}>
            <p>
              When customers pay with M-PESA (a prompt on their phone, or your paybill or till), every payment appears
              here.
            </p>
          </EmptyState>
        </Card>
      </Page>
    );
  }

  return (
    <Page
      title="Payments"
      subtitle="M-PESA payments by order, newest first (times in EAT)"
      backAction={{ content: "Home", url: "/app" }}
      primaryAction={{
        content: "Export CSV",
        loading: exporting,
        onAction: () => exportCsv(`/app/payments/export?${exportQuery}`),
      }}
      secondaryActions={[{ content: "Unmatched paybill payments", url: "/app/payments/unmatched" }]}
    >
      <Layout>
        <Layout.Section>
          <PaymentsTotals totals={view.totals} filters={view.filters} error={exportError} />
        </Layout.Section>
        <Layout.Section>
          <PaymentsTable view={view} filters={view.filters} loading={loading} />
        </Layout.Section>
        <Layout.Section>
          <PaymentCharts charts={view.charts} onPeriod={setChartDays} />
        </Layout.Section>
      </Layout>
    </Page>
  );
}
