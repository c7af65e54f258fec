import { Form } from "@remix-run/react";
import { BlockStack, Button, InlineStack, Text, TextField } from "@shopify/polaris";
import { useState } from "react";
import type { ReviewPanel } from "../../modules/refunds/review.server";

// The actions of a payment held for review (app/modules/refunds/review.server.ts), inside the page's
// "Needs review" banner: refund it, apply it to the order, or mark it handled outside the app.

export function ReviewActions({ panel, busy }: { panel: ReviewPanel; busy: boolean }) {
  const [note, setNote] = useState("");
  if (!panel.open) return null;
  return (
    <BlockStack gap="300">
      <InlineStack gap="200" blockAlign="center" wrap>
        {panel.canRefund && (
          <Form method="post">
            <input type="hidden" name="intent" value="review-refund" />
            <Button submit variant="primary" disabled={busy}>
              {`Refund KES ${panel.refundableKes} via M-PESA`}
            </Button>
          </Form>
        )}
        {panel.canApply && (
          <Form method="post">
            <input type="hidden" name="intent" value="review-apply" />
            <Button submit disabled={busy}>
              Apply to the order
            </Button>
          </Form>
        )}
        {!panel.canApply && panel.applyBlocked && panel.receipt && (
          <Text as="span" tone="subdued">{`Not applied to the order: ${panel.applyBlocked}`}</Text>
        )}
      </InlineStack>
      <Form method="post">
        <input type="hidden" name="intent" value="review-handled-outside" />
        <InlineStack gap="200" blockAlign="end" wrap>
          <TextField
            label="Handled outside the app: how?"
            name="note"
            value={note}
            onChange={setNote}
            autoComplete="off"
            maxLength={500}
            placeholder="e.g. refunded by bank transfer, ref 123"
          />
          <Button submit disabled={busy}>
            Mark handled outside the app
          </Button>
        </InlineStack>
      </Form>
    </BlockStack>
  );
}

export function ReviewResolution({ panel }: { panel: ReviewPanel }) {
  const r = panel.resolution;
  if (!r) return null;
  return (
    <BlockStack gap="100">
      <Text as="p">{`${r.label} by ${r.by} on ${new Date(r.at).toLocaleString("en-KE", { timeZone: "Africa/Nairobi" })}.`}</Text>
      {r.note && <Text as="p" tone="subdued">{`Note: ${r.note}`}</Text>}
    </BlockStack>
  );
}
