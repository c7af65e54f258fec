import { BlockStack, Card, InlineGrid, Text } from "@shopify/polaris";

// A payment's facts as label / value rows (the payment pages' "Details" card).
export function FactsCard({ title, facts }: { title: string; facts: { label: string; value: string }[] }) {
  return (
    <Card>
      <BlockStack gap="200">
        <Text as="h2" variant="headingMd">
          {title}
        </Text>
        {facts.map((f) => (
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
  );
}
