import { useFetcher } from "@remix-run/react";
import { Banner, BlockStack, Button, Card, Checkbox, InlineStack, Text } from "@shopify/polaris";
import { useState } from "react";
import type { ReconciliationActionResult } from "../settings.server";

// Settings section: what happens when M-PESA's status query confirms a payment whose callback never came.

export function ReceiptPolicySettings({ hold }: { hold: boolean }) {
  const fetcher = useFetcher<{ reconciliation?: ReconciliationActionResult }>();
  const [checked, setChecked] = useState(hold);
  const data = fetcher.data?.reconciliation;
  const result = data?.intent === "save-receipt-policy" ? data : null;
  return (
    <Card>
      <fetcher.Form method="post">
        <input type="hidden" name="intent" value="save-receipt-policy" />
        <input type="hidden" name="holdUntilReceiptKnown" value={checked ? "true" : "false"} />
        <BlockStack gap="300">
          <Text as="h2" variant="headingMd">
            When M-PESA’s confirmation message is missing
          </Text>
          <Text as="p" tone="subdued">
            Sometimes M-PESA takes the money but its confirmation message never reaches the app. The app then asks
            M-PESA about the payment; when M-PESA says it succeeded, the order is marked paid with the receipt
            “pending”, and the receipt is added to the order as soon as it is found (late message, Pull Transactions or
            your statement import).
          </Text>
          <Checkbox
            label="Hold such payments for review until the receipt is known (the order stays unpaid meanwhile)"
            checked={checked}
            onChange={setChecked}
          />
          {result && <Banner tone={result.ok ? "success" : "critical"}>{result.message}</Banner>}
          <InlineStack align="end">
            <Button submit loading={fetcher.state !== "idle"}>
              Save missed-callback setting
            </Button>
          </InlineStack>
        </BlockStack>
      </fetcher.Form>
    </Card>
  );
}
