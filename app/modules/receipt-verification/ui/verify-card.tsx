import { Form, useNavigation, useRevalidator } from "@remix-run/react";
import { Badge, BlockStack, Button, Card, DataTable, InlineStack, Text, TextField } from "@shopify/polaris";
import { useEffect, useState } from "react";
import type { VerificationState, VerificationView } from "../view.server";

// The merchant's "Verify a payment by M-PESA code" form and the latest verifications. While one is
// being verified (or being written to Shopify) the page revalidates every 2 s until it settles.

const POLL_MS = 2000;
const settling = (s: VerificationState) => s === "verifying" || s === "verified";

const BADGE: Record<VerificationState, { tone?: "success" | "critical" | "info" | "attention"; label: string }> = {
  verifying: { tone: "info", label: "Verifying…" },
  verified: { tone: "info", label: "Verified, recording" },
  applied: { tone: "success", label: "Applied" },
  queued: { tone: "attention", label: "In unmatched list" },
  rejected: { tone: "critical", label: "Not verified" },
};

export function VerifyByCodeCard({
  defaultOrder,
  verifications,
}: {
  defaultOrder: string;
  verifications: VerificationView[];
}) {
  const navigation = useNavigation();
  const revalidator = useRevalidator();
  const [code, setCode] = useState("");
  const [order, setOrder] = useState(defaultOrder);
  const busy = verifications.some((v) => settling(v.state));

  useEffect(() => {
    if (!busy) return;
    const t = setInterval(() => {
      if (revalidator.state === "idle") revalidator.revalidate();
    }, POLL_MS);
    return () => clearInterval(t);
  }, [busy, revalidator]);

  return (
    <BlockStack gap="400">
      <Card>
        <Form method="post">
          <input type="hidden" name="intent" value="verify" />
          <BlockStack gap="300">
            <Text as="h2" variant="headingMd">
              Verify a payment by M-PESA code
            </Text>
            <Text as="p" tone="subdued">
              The code is in the customer&apos;s M-PESA SMS (10 letters and digits, e.g. TCE4XK91QZ). The app asks
              Safaricom for the amount, the time and the account it was paid to, and applies it to the order only if it
              was paid to this shop and is not already recorded.
            </Text>
            <InlineStack gap="300" blockAlign="end" wrap>
              <TextField
                label="M-PESA code"
                name="code"
                value={code}
                onChange={setCode}
                autoComplete="off"
                maxLength={20}
                placeholder="TCE4XK91QZ"
              />
              <TextField
                label="Order"
                name="order"
                value={order}
                onChange={setOrder}
                autoComplete="off"
                placeholder="#1001"
              />
              <Button submit variant="primary" loading={navigation.state === "submitting"}>
                Verify and apply
              </Button>
            </InlineStack>
          </BlockStack>
        </Form>
      </Card>
      <Card>
        <BlockStack gap="200">
          <Text as="h2" variant="headingMd">
            Recent verifications
          </Text>
          {verifications.length === 0 ? (
            <Text as="p" tone="subdued">
              No code has been verified yet.
            </Text>
          ) : (
            <DataTable
              columnContentTypes={["text", "text", "text", "text", "text", "text"]}
              headings={["When", "Code", "Order", "Status", "Outcome", "Who"]}
              rows={verifications.map((v) => [
                v.at,
                v.receipt,
                v.orderName,
                <Badge key={v.id} tone={BADGE[v.state].tone}>
                  {BADGE[v.state].label}
                </Badge>,
                v.message,
                v.actor,
              ])}
            />
          )}
        </BlockStack>
      </Card>
    </BlockStack>
  );
}
