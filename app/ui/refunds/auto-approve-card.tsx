import { useFetcher } from "@remix-run/react";
import { Banner, BlockStack, Button, Card, InlineStack, Text, TextField } from "@shopify/polaris";
import { useEffect, useRef, useState } from "react";

// The settings page's "Refunds" card: the auto-approve limit for refunds made in the Shopify admin
// (saved by the resource route /app/refund-rule, on its own: the rest of the settings form is untouched).

type Loaded = { maxKes: number | null };
type Saved = { ok: true; maxKes: number | null } | { ok: false; error: string };

export function AutoApproveCard() {
  const load = useFetcher<Loaded>();
  const save = useFetcher<Saved>();
  const [value, setValue] = useState("");
  const typed = useRef(false);
  const asked = useRef(false);
  useEffect(() => {
    if (asked.current) return;
    asked.current = true;
    load.load("/app/refund-rule");
  }, [load]);
  // The stored value fills the field once; later revalidations of the fetcher (after every action)
  // must not overwrite what the merchant is typing.
  // Nor may a slow first load replace what was typed before it arrived.
  const filled = useRef(false);
  useEffect(() => {
    if (!load.data || filled.current) return;
    filled.current = true;
    if (typed.current) return;
    setValue(load.data.maxKes === null ? "" : String(load.data.maxKes));
  }, [load.data]);
  const saved = save.data;
  return (
    <Card>
      <save.Form method="post" action="/app/refund-rule">
        <BlockStack gap="300">
          <Text as="h2" variant="headingMd">
            Refunds
          </Text>
          <Text as="p" tone="subdued">
            A refund you make in the Shopify admin on an M-PESA order waits here for your approval before any money is
            sent. Refunds up to this amount are approved and sent at once.
          </Text>
          {saved && (
            <Banner tone={saved.ok ? "success" : "critical"}>
              <Text as="p">
                {saved.ok
                  ? saved.maxKes === null
                    ? "Every refund waits for your approval."
                    : `Refunds up to KES ${saved.maxKes} are approved automatically.`
                  : saved.error}
              </Text>
            </Banner>
          )}
          <TextField
            label="Approve refunds automatically up to (KES, whole shillings)"
            name="maxKes"
            value={value}
            onChange={(v) => {
              typed.current = true;
              setValue(v);
            }}
            autoComplete="off"
            inputMode="numeric"
            helpText="Leave blank to approve every refund yourself."
            error={saved && !saved.ok ? saved.error : undefined}
          />
          <InlineStack align="end">
            <Button submit loading={save.state !== "idle"}>
              Save refund rule
            </Button>
          </InlineStack>
        </BlockStack>
      </save.Form>
    </Card>
  );
}
