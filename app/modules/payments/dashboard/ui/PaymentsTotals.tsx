import { Banner, BlockStack, Card, InlineGrid, Text } from "@shopify/polaris";
import { describeRange, type PaymentFilters } from "../filters";

// The filtered set's totals above the list: how many payments, how many orders, and the shillings
// received (a prompt with its receipt, a paybill/till payment that is not the twin of a prompt).

type Totals = { orders: number; payments: number; received: string };

export function PaymentsTotals({
  totals,
  filters,
  error,
}: {
  totals: Totals;
  filters: PaymentFilters;
  error: string | null;
}) {
  const filtered = !!(filters.q || filters.statuses.length || filters.channels.length || filters.from || filters.to);
  const range = describeRange(filters);
  return (
    <BlockStack gap="300">
      {error && (
        <Banner tone="critical" title="The export did not finish">
          <Text as="p">{error}</Text>
        </Banner>
      )}
      <Card>
        <BlockStack gap="200">
          <Text as="p" tone="subdued">
            {filtered ? `Payments matching your filters${range ? ` (${range}, EAT)` : ""}` : "All payments"}
          </Text>
          <InlineGrid columns={3} gap="400">
            <Stat label="Payments" value={totals.payments.toLocaleString("en-KE")} testId="total-payments" />
            <Stat label="Orders" value={totals.orders.toLocaleString("en-KE")} testId="total-orders" />
            <Stat label="Received" value={totals.received} testId="total-received" />
          </InlineGrid>
        </BlockStack>
      </Card>
    </BlockStack>
  );
}

function Stat({ label, value, testId }: { label: string; value: string; testId: string }) {
  return (
    <BlockStack gap="100">
      <Text as="span" tone="subdued">
        {label}
      </Text>
      <span data-testid={testId}>
        <Text as="span" variant="headingLg">
          {value}
        </Text>
      </span>
    </BlockStack>
  );
}
