import { Badge, BlockStack, Box, Card, InlineStack, Text } from "@shopify/polaris";
import type { ChecklistItem } from "../checklist";

// Shared by the home page and the settings page. Presentation only: the items come from loaders.

const BADGE: Record<ChecklistItem["status"], { tone?: "success" | "attention"; label: string }> = {
  done: { tone: "success", label: "Done" },
  todo: { tone: "attention", label: "To do" },
  later: { label: "Later" },
};

export function SetupChecklist({ items, callbackUrl }: { items: ChecklistItem[]; callbackUrl: string }) {
  return (
    <Card>
      <BlockStack gap="300">
        <Text as="h2" variant="headingMd">
          Setup checklist
        </Text>
        {items.map((item) => (
          <Box key={item.id}>
            <BlockStack gap="100">
              <InlineStack gap="200" blockAlign="start" wrap={false}>
                <Badge tone={BADGE[item.status].tone}>{BADGE[item.status].label}</Badge>
                <Text as="span" fontWeight="semibold">
                  {item.title}
                </Text>
              </InlineStack>
              <Text as="p" tone="subdued">
                {item.detail}
              </Text>
            </BlockStack>
          </Box>
        ))}
        <BlockStack gap="100">
          <Text as="span" fontWeight="semibold">
            Callback address
          </Text>
          <Text as="p" tone="subdued">
            Daraja sends each payment result to <code>{callbackUrl}</code> (one unguessable address per payment). It
            must be reachable from the internet over HTTPS.
          </Text>
        </BlockStack>
      </BlockStack>
    </Card>
  );
}
