import { useFetcher } from "@remix-run/react";
import { BlockStack, Card, Checkbox, InlineError, Text } from "@shopify/polaris";
import { useEffect } from "react";

// Settings section: "Shoppers may verify their payment by M-PESA code" (off by default). Reads and
// writes through its own route (/app/settings/shopper-verify), so the settings form is untouched.

const ROUTE = "/app/settings/shopper-verify";

export function ShopperVerifySetting() {
  const fetcher = useFetcher<{ enabled: boolean; error?: string }>();
  const { load, state, data } = fetcher;
  useEffect(() => {
    if (state === "idle" && !data) load(ROUTE);
  }, [load, state, data]);
  const pending = fetcher.formData ? fetcher.formData.get("enabled") === "true" : undefined;
  const checked = pending ?? data?.enabled ?? false;
  return (
    <Card>
      <BlockStack gap="200">
        <Text as="h2" variant="headingMd">
          Verify by M-PESA code
        </Text>
        <Checkbox
          label="Shoppers may verify their payment by M-PESA code on the order status page"
          helpText="A customer who paid your paybill or till but whose payment did not reach the order can type the code from their M-PESA SMS. The app checks it with Safaricom (Transaction Status, needs the initiator) before applying it; the amount always comes from Shopify."
          checked={checked}
          disabled={!data}
          onChange={(value) => fetcher.submit({ enabled: String(value) }, { method: "post", action: ROUTE })}
        />
        {data?.error && <InlineError message={data.error} fieldID="shopper-verify" />}
      </BlockStack>
    </Card>
  );
}
