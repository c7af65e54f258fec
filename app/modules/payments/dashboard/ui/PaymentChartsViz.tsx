import { BarChart, LineChart, PolarisVizProvider, SimpleBarChart } from "@shopify/polaris-viz";
import "@shopify/polaris-viz/build/esm/styles.css";
import { BlockStack, InlineGrid, Text } from "@shopify/polaris";
import type { PaymentChartsView } from "../charts.server";

// The charts themselves (loaded in the browser only, see PaymentCharts.tsx): shillings received per
// EAT day by channel, payments per day, and how the period's M-PESA prompts ended.

const short = (day: string) => {
  const [, m, d] = day.split("-");
  return `${Number(d)} ${["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][Number(m) - 1]}`;
};

export default function PaymentChartsViz({ charts }: { charts: PaymentChartsView }) {
  const volume = [
    { name: "M-PESA prompt (KES)", data: charts.daily.map((d) => ({ key: short(d.day), value: d.stkKes })) },
    { name: "Paybill / till (KES)", data: charts.daily.map((d) => ({ key: short(d.day), value: d.c2bKes })) },
  ];
  const count = [{ name: "Payments", data: charts.daily.map((d) => ({ key: short(d.day), value: d.payments })) }];
  const outcomes = [{ name: "Prompts", data: charts.outcomes.map((o) => ({ key: o.label, value: o.count })) }];
  return (
    <PolarisVizProvider defaultTheme="Light">
      <BlockStack gap="500">
        <Figure title="Received per day (KES)" testId="chart-volume">
          <BarChart data={volume} type="stacked" theme="Light" />
        </Figure>
        <InlineGrid columns={{ xs: 1, md: 2 }} gap="400">
          <Figure title="Payments per day" testId="chart-count">
            <LineChart data={count} theme="Light" />
          </Figure>
          <Figure
            title={`How prompts ended${charts.successRate !== null ? ` (${charts.successRate}% paid)` : ""}`}
            testId="chart-outcomes"
          >
            {charts.outcomes.length ? (
              <SimpleBarChart data={outcomes} theme="Light" />
            ) : (
              <Text as="p" tone="subdued">
                No finished prompts in this period.
              </Text>
            )}
          </Figure>
        </InlineGrid>
      </BlockStack>
    </PolarisVizProvider>
  );
}

function Figure({ title, testId, children }: { title: string; testId: string; children: React.ReactNode }) {
  return (
    <BlockStack gap="200">
      <Text as="h3" variant="headingSm">
        {title}
      </Text>
      <div data-testid={testId} style={{ height: 240 }}>
        {children}
      </div>
    </BlockStack>
  );
}
