import { useFetcher } from "@remix-run/react";
import { Badge, Banner, BlockStack, Button, Card, InlineStack, Text, TextField } from "@shopify/polaris";
import { useState } from "react";
import type { PullAccountView, ReconciliationActionResult } from "../settings.server";

// Settings section: Pull Transactions per receiving account — register with the nominated number, see the
// registration and the last pull, pull now.

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString("en-KE", { timeZone: "Africa/Nairobi" }) : "");

export function PullTransactionsSettings({ accounts }: { accounts: PullAccountView[] }) {
  if (accounts.length === 0) return null;
  return (
    <Card>
      <BlockStack gap="400">
        <Text as="h2" variant="headingMd">
          Pull Transactions (reconciliation)
        </Text>
        <Text as="p" tone="subdued">
          Every hour (and a 48-hour sweep daily) the app asks M-PESA for the payments made to each account, so a payment
          whose confirmation never arrived is still found: its receipt is added to its order, and money the app did not
          know about is matched to an order or shown in the unmatched queue. Safaricom offers this for live shortcodes
          only. Registering needs the <b>nominated number</b>: the Safaricom phone number on the shortcode’s KYC in the
          M-PESA Org Portal (not the shortcode).
        </Text>
        {accounts.map((a) => (
          <PullAccount key={a.id} account={a} />
        ))}
      </BlockStack>
    </Card>
  );
}

function PullAccount({ account: a }: { account: PullAccountView }) {
  const fetcher = useFetcher<{ reconciliation?: ReconciliationActionResult }>();
  const [number, setNumber] = useState("");
  const data = fetcher.data?.reconciliation;
  const result = data?.accountId === a.id ? data : null;
  const busy = fetcher.state !== "idle";
  const r = a.lastRun;
  return (
    <BlockStack gap="200">
      <InlineStack gap="200" blockAlign="center">
        <Text as="h3" variant="headingSm">
          {a.label || a.shortCode} ({a.shortCode})
        </Text>
        {a.registeredAt ? <Badge tone="success">Registered</Badge> : <Badge>Not registered</Badge>}
      </InlineStack>
      {a.registeredAt && (
        <Text as="p" tone="subdued">
          Registered {when(a.registeredAt)} with {a.nominatedNumberMasked}.{" "}
          {r
            ? `Last pull (${r.trigger}) ${r.status === "DONE" ? `finished ${when(r.finishedAt)}` : r.status.toLowerCase()}: ${r.rows} payments, ${r.confirmed} already known, ${r.attached} receipts attached, ${r.newMatched} new matched, ${r.unmatched} unmatched.`
            : "No pull yet."}
        </Text>
      )}
      {a.lastError && <Banner tone="warning">{a.lastError}</Banner>}
      {result && <Banner tone={result.ok ? "success" : "critical"}>{result.message}</Banner>}
      <fetcher.Form method="post">
        <input type="hidden" name="accountId" value={a.id} />
        <input type="hidden" name="intent" value="register-pull" />
        <InlineStack gap="200" blockAlign="end">
          <div style={{ minWidth: 260 }}>
            <TextField
              label="Nominated number"
              name="nominatedNumber"
              autoComplete="off"
              placeholder="0722 000 000"
              value={number}
              onChange={setNumber}
              error={result && !result.ok && result.field === "nominatedNumber" ? result.message : undefined}
            />
          </div>
          <Button submit loading={busy}>
            {a.registeredAt ? "Register again" : "Register for Pull"}
          </Button>
          {a.registeredAt && (
            <Button
              onClick={() => fetcher.submit({ intent: "pull-now", accountId: a.id }, { method: "post" })}
              disabled={busy}
            >
              Pull now
            </Button>
          )}
        </InlineStack>
      </fetcher.Form>
    </BlockStack>
  );
}
