import { useEffect, useState } from "react";
import { Banner, BlockStack, Button, Card, InlineStack, Link, Text, TextField } from "@shopify/polaris";

// The merchant's side in the Shopify admin: "Refund this order". POST /sandbox/admin-refund has the
// stand-in make the refund and send the app refunds/create; the app then holds a pending M-PESA
// refund, approved on the payment's page (the link).

type Done = { refundedAmount: string; webhookStatus: number | null; paymentUrl: string | null };

export function AdminRefundPanel({ orderId, paid }: { orderId: string; paid: boolean }) {
  const [amount, setAmount] = useState("");
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<Done | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setDone(null);
    setError(null);
    setAmount("");
  }, [orderId]);
  if (!paid && !done) return null;

  const refund = async () => {
    setBusy(true);
    setError(null);
    try {
      const res = await fetch("/sandbox/admin-refund", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ orderGid: orderId, amount }),
      });
      const body = await res.json().catch(() => ({}));
      if (!res.ok) setError(body.error ?? `The sandbox answered ${res.status}`);
      else setDone(body as Done);
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
          The merchant: refund this order in the admin
        </Text>
        <Text as="p" tone="subdued">
          In the Shopify admin a refund of an M-PESA order moves no money: Shopify tells the app (refunds/create), and
          the app holds an M-PESA refund for the merchant to approve.
        </Text>
        {error && (
          <Banner tone="critical" onDismiss={() => setError(null)}>
            <Text as="p">{error}</Text>
          </Banner>
        )}
        {done && (
          <Banner tone="success" title={`Refunded KES ${done.refundedAmount} in the admin`}>
            <BlockStack gap="100">
              <Text as="p">
                {done.webhookStatus === 200
                  ? "Shopify sent the app refunds/create: the M-PESA refund waits for approval."
                  : `The app answered the refunds/create webhook with ${done.webhookStatus ?? "no answer"}.`}
              </Text>
              {done.paymentUrl && (
                <Link url={done.paymentUrl} target="_blank">
                  Approve it on the payment’s page
                </Link>
              )}
            </BlockStack>
          </Banner>
        )}
        <InlineStack gap="300" blockAlign="end">
          <TextField
            label="Amount to refund (KES; blank: all of it)"
            value={amount}
            onChange={setAmount}
            autoComplete="off"
            inputMode="decimal"
          />
          <Button onClick={refund} loading={busy}>
            Refund in the admin
          </Button>
        </InlineStack>
      </BlockStack>
    </Card>
  );
}
