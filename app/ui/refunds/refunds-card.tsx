import { Form, useNavigation } from "@remix-run/react";
import { Badge, Banner, BlockStack, Box, Button, Card, InlineStack, Text, TextField } from "@shopify/polaris";
import { useState } from "react";
import type { RefundsPanel, RefundView } from "../../modules/refunds/merchant.server";

// A receipt's refunds on a payment's page (an M-PESA prompt's, or a paybill/till payment's): refund
// via M-PESA, approve (with the customer's number when M-PESA hid the payer's), cancel, or mark paid
// back by hand. The actions post to the page's own route (app/modules/refunds/merchant.server.ts).

const REFUND_METHOD_WORDS: Record<string, string> = {
  REVERSAL: "by reversal (the whole receipt back)",
  B2C: "by B2C (sent to the phone)",
  MANUAL: "by hand, outside the app",
};

type Panel = Omit<RefundsPanel, "refunds"> & { refunds: RefundView[] };

export function RefundsCard({
  panel,
  result,
}: {
  panel: Panel;
  /** The page's last refund action answer, if any. */
  result: { ok: true; message: string } | { ok: false; error: string } | null;
}) {
  const busy = useNavigation().state !== "idle";
  const [amount, setAmount] = useState(String(panel.refundableKes));
  return (
    <Card>
      <BlockStack gap="300">
        <Text as="h2" variant="headingMd">
          Refunds
        </Text>
        <Text as="p" tone="subdued">
          {`Receipt ${panel.receipt}: KES ${panel.receivedKes} received, KES ${panel.refundableKes} can still be refunded.`}
        </Text>
        {result && (
          <Banner tone={result.ok ? "success" : "critical"}>
            <Text as="p">{result.ok ? result.message : result.error}</Text>
          </Banner>
        )}
        {panel.refundableKes > 0 && !panel.reviewOpen && (
          <Form method="post">
            <input type="hidden" name="intent" value="refund" />
            <input type="hidden" name="nonce" value={panel.nonce} />
            <InlineStack gap="300" blockAlign="end">
              <TextField
                label="Amount (KES, whole shillings)"
                name="amount"
                value={amount}
                onChange={setAmount}
                autoComplete="off"
                inputMode="numeric"
              />
              <Button submit variant="primary" loading={busy}>
                Refund via M-PESA
              </Button>
            </InlineStack>
          </Form>
        )}
        {panel.refunds.map((r) => (
          <Box key={r.id} borderColor="border" borderWidth="025" borderRadius="200" padding="300">
            <BlockStack gap="200">
              <InlineStack gap="300" blockAlign="center" wrap>
                <Badge>{r.stateLabel}</Badge>
                <Text as="span">{`KES ${r.amountKes} ${REFUND_METHOD_WORDS[r.method] ?? r.method}`}</Text>
                {r.phone && <Text as="span" tone="subdued">{`to ${r.phone}`}</Text>}
                {r.mpesaTransactionId && <Text as="span" tone="subdued">{`M-PESA ${r.mpesaTransactionId}`}</Text>}
              </InlineStack>
              {(r.note || r.resultDesc) && <Text as="p">{r.note ?? r.resultDesc}</Text>}
              {r.approvedBy && r.approvedAt && (
                <Text as="p" tone="subdued">
                  {`${r.state === "MANUAL" ? "Marked paid back by" : "Approved by"} ${r.approvedBy} on ${new Date(r.approvedAt).toLocaleString("en-KE", { timeZone: "Africa/Nairobi" })}`}
                </Text>
              )}
              {r.state === "CANCELLED" && r.closedAt && (
                <Text as="p" tone="subdued">
                  {`Cancelled on ${new Date(r.closedAt).toLocaleString("en-KE", { timeZone: "Africa/Nairobi" })}`}
                </Text>
              )}
              {r.canApprove && r.needsPhone && <ApproveWithPhoneForm id={r.id} shown={r.needsPhone.shown} />}
              {(r.canApprove || r.canCancel) && (
                <InlineStack gap="200">
                  {r.canApprove && !r.needsPhone && (
                    <RefundButton id={r.id} intent="approve" label="Approve and send" primary />
                  )}
                  {r.canCancel && <RefundButton id={r.id} intent="cancel" label="Cancel" />}
                </InlineStack>
              )}
              {r.canMarkDone && <ManualDoneForm id={r.id} manual={r.method === "MANUAL"} />}
            </BlockStack>
          </Box>
        ))}
      </BlockStack>
    </Card>
  );
}

function RefundButton({
  id,
  intent,
  label,
  primary,
}: {
  id: string;
  intent: string;
  label: string;
  primary?: boolean;
}) {
  return (
    <Form method="post">
      <input type="hidden" name="intent" value={intent} />
      <input type="hidden" name="refundId" value={id} />
      <Button submit variant={primary ? "primary" : "secondary"}>
        {label}
      </Button>
    </Form>
  );
}

/** "Paid back by hand" with the merchant's note of how (kept on the refund). */
function ManualDoneForm({ id, manual }: { id: string; manual: boolean }) {
  const [note, setNote] = useState("");
  return (
    <Form method="post">
      <input type="hidden" name="intent" value="manual-done" />
      <input type="hidden" name="refundId" value={id} />
      <InlineStack gap="200" blockAlign="end" wrap>
        <TextField
          label={manual ? "Paid back outside the app: how?" : "Or pay it back outside the app: how?"}
          name="note"
          value={note}
          onChange={setNote}
          autoComplete="off"
          maxLength={500}
          placeholder="e.g. sent from the shop's M-PESA, code QK12…"
        />
        <Button submit variant={manual ? "primary" : "secondary"}>
          Paid back by hand
        </Button>
      </InlineStack>
    </Form>
  );
}

/** M-PESA hid the payer's number: the merchant asks the customer and types it; it must fit what M-PESA showed. */
function ApproveWithPhoneForm({ id, shown }: { id: string; shown: string | null }) {
  const [phone, setPhone] = useState("");
  return (
    <Form method="post">
      <input type="hidden" name="intent" value="approve" />
      <input type="hidden" name="refundId" value={id} />
      <InlineStack gap="200" blockAlign="end" wrap>
        <TextField
          label="Customer's M-PESA number"
          name="phone"
          value={phone}
          onChange={setPhone}
          autoComplete="off"
          type="tel"
          helpText={
            shown
              ? `M-PESA showed the paying number as ${shown}: the digits shown must match.`
              : "M-PESA hid the paying number: it is checked against M-PESA's record of it."
          }
        />
        <Button submit variant="primary">
          Approve and send
        </Button>
      </InlineStack>
    </Form>
  );
}
