import { useEffect, useState } from "react";
import {
  Banner,
  BlockStack,
  Button,
  Card,
  Checkbox,
  InlineStack,
  Link,
  Select,
  Text,
  TextField,
} from "@shopify/polaris";
import { copy, formatKes } from "../../../../extensions/checkout-ui/src/copy";
import type { PaybillInstructions } from "@mpesa-checkout/pay-contract";
import { PAYBILL_AMOUNTS, PAYBILL_TYPOS, paybillAmountFor, type PaybillAmount, type PaybillTypo } from "../demo";

// The shopper pays by hand from the M-PESA menu: the instructions as the checkout block shows them,
// then the menu itself — how much to send, and the account number typed by hand (prefilled with
// the reference shown, editable, optionally with a customer's typical slip). POST /sandbox/paybill
// has the emulator play the payment; its C2B confirmation then reaches the app.

type Sent = {
  amountKes: number;
  transId: string;
  status: string;
  confirmationStatus?: number | null;
  verifyUrl?: string | null;
};

export function PaybillPanel(props: {
  orderId: string;
  phone: string;
  paybill: PaybillInstructions | undefined;
  /** Changes with every new attempt: the banners of the previous one go. */
  attemptSeq: number;
  onStart: () => void;
  onSent: () => void;
}) {
  const { paybill } = props;
  const [amount, setAmount] = useState<PaybillAmount>("full");
  const [billRef, setBillRef] = useState(paybill?.accountReference ?? "");
  const [typo, setTypo] = useState<PaybillTypo>("none");
  const [lost, setLost] = useState(false);
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState<Sent | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    setBillRef(paybill?.accountReference ?? "");
    setSent(null);
    setError(null);
  }, [props.orderId, paybill?.accountReference]);
  useEffect(() => {
    setSent(null);
    setError(null);
  }, [props.attemptSeq]);

  if (!paybill) return null;
  const amountOptions = (Object.keys(PAYBILL_AMOUNTS) as PaybillAmount[])
    .map((value) => ({ value, kes: paybillAmountFor(value, paybill.amountKes) }))
    .filter((o) => o.kes !== null)
    .map((o) => ({ value: o.value, label: `${PAYBILL_AMOUNTS[o.value]}: ${formatKes(o.kes!)}` }));

  const send = async () => {
    props.onStart(); // bumps attemptSeq: this panel's old banners go too
    setBusy(true);
    try {
      const res = await fetch("/sandbox/paybill", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ orderGid: props.orderId, amount, billRef, typo, phone: props.phone, lost }),
      });
      const body = await res.json().catch(() => ({}));
      if (!res.ok) setError(body.error ?? `The sandbox answered ${res.status}`);
      else {
        setSent({ amountKes: body.amountKes, ...body.result, verifyUrl: body.verifyUrl });
        props.onSent();
      }
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card>
      <BlockStack gap="300">
        <Text as="h2" variant="headingMd">
          3. {copy.paybillHeading}
        </Text>
        <Text as="p" fontWeight="semibold">
          {paybill.kind === "till"
            ? copy.till(paybill.number, paybill.amountKes)
            : copy.paybill(paybill.number, paybill.accountReference ?? "", paybill.amountKes)}
        </Text>
        {paybill.paidKes !== undefined && (
          <Text as="p" tone="subdued">
            {copy.partlyPaid(paybill.paidKes, paybill.amountKes)}
          </Text>
        )}
        <Text as="p" tone="subdued">
          The phone’s M-PESA menu (
          {paybill.kind === "till" ? "Lipa na M-PESA → Buy Goods" : "Lipa na M-PESA → Pay Bill"}, business{" "}
          {paybill.number}):
        </Text>
        <Select label="Amount" options={amountOptions} value={amount} onChange={(v) => setAmount(v as PaybillAmount)} />
        {paybill.kind === "paybill" && (
          <>
            <TextField
              label="Account number (typed by hand)"
              value={billRef}
              onChange={setBillRef}
              autoComplete="off"
              maxLength={20}
              helpText="Type anything: a reference naming no order lands in the merchant’s unmatched queue."
            />
            <Select
              label="How the customer types it (emulator)"
              options={Object.entries(PAYBILL_TYPOS).map(([value, label]) => ({ value, label }))}
              value={typo}
              onChange={(v) => setTypo(v as PaybillTypo)}
            />
          </>
        )}
        <Checkbox
          label="The app is never told (lost confirmation): verify it by code afterwards"
          checked={lost}
          onChange={setLost}
        />
        {error && (
          <Banner tone="critical" onDismiss={() => setError(null)}>
            <Text as="p">{error}</Text>
          </Banner>
        )}
        {sent && (
          <Banner tone={sent.status === "completed" ? "success" : "warning"} onDismiss={() => setSent(null)}>
            {sent.verifyUrl && sent.status === "completed" ? (
              <Text as="p">
                M-PESA: {sent.transId}, {formatKes(sent.amountKes)} sent to {paybill.number}, but the confirmation was
                lost: the app does not know. The customer has the code {sent.transId} in their SMS —{" "}
                <Link url={sent.verifyUrl} target="_blank">
                  verify it as the merchant
                </Link>
                .
              </Text>
            ) : (
              <Text as="p">
                {sent.status === "completed"
                  ? `M-PESA: ${sent.transId} confirmed, ${formatKes(sent.amountKes)} sent to ${paybill.number}. The app was told (HTTP ${sent.confirmationStatus ?? "—"}); watch the order above.`
                  : `M-PESA refused the payment (${sent.transId}): the app's validation said no.`}
              </Text>
            )}
          </Banner>
        )}
        <InlineStack>
          <Button loading={busy} onClick={send}>
            Send from the M-PESA menu
          </Button>
        </InlineStack>
      </BlockStack>
    </Card>
  );
}
