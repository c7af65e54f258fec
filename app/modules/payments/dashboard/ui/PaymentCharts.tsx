import { BlockStack, Box, Card, InlineStack, Select, SkeletonBodyText, Text } from "@shopify/polaris";
import { lazy, Suspense, useEffect, useState } from "react";
import type { PaymentChartsView } from "../charts.server";

// The Payments page's charts (polaris-viz), drawn in the browser only: polaris-viz measures its
// container, so the server renders the figures in words and a skeleton, and the chart module is
// loaded after hydration (it stays out of the page's first bundle).

const Viz = lazy(() => import("./PaymentChartsViz"));

const PERIODS = [
  { label: "Last 7 days", value: "7" },
  { label: "Last 30 days", value: "30" },
  { label: "Last 90 days", value: "90" },
];

export function PaymentCharts({ charts, onPeriod }: { charts: PaymentChartsView; onPeriod: (days: string) => void }) {
  const [mounted, setMounted] = useState(false);
  useEffect(() => setMounted(true), []);
  const received = charts.daily.reduce((n, d) => n + d.receivedKes, 0);
  const payments = charts.daily.reduce((n, d) => n + d.payments, 0);
  return (
    <Card>
      <BlockStack gap="400">
        <InlineStack align="space-between" blockAlign="center" gap="400">
          <BlockStack gap="100">
            <Text as="h2" variant="headingMd">
              M-PESA over time
            </Text>
            <Text as="p" tone="subdued">
              <span data-testid="charts-summary">
                {`KES ${received.toLocaleString("en-KE")} received in ${payments.toLocaleString("en-KE")} payments`}
                {charts.successRate !== null
                  ? `; ${charts.successRate}% of ${charts.prompts.toLocaleString("en-KE")} finished prompts were paid`
                  : "; no finished prompts"}
                {" (EAT days)"}
              </span>
            </Text>
          </BlockStack>
          <Box minWidth="180px">
            <Select label="Period" labelInline options={PERIODS} value={String(charts.days)} onChange={onPeriod} />
          </Box>
        </InlineStack>
        {mounted ? (
          <Suspense fallback={<SkeletonBodyText lines={8} />}>
            <Viz charts={charts} />
          </Suspense>
        ) : (
          <SkeletonBodyText lines={8} />
        )}
      </BlockStack>
    </Card>
  );
}
