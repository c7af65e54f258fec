import { Banner, BlockStack, InlineStack, List, Spinner, Text } from "@shopify/polaris";
import type { BalanceView } from "../disbursement.server";

// M-PESA's answer to a settings balance test (the refunds account's, or the shop-wide initiator's):
// waiting, what went wrong, or the balances — the proof the initiator's name and password work.

const kes = (n: number) => `KES ${n.toLocaleString("en-KE", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const when = (iso: string) =>
  new Date(iso).toLocaleString("en-KE", { dateStyle: "medium", timeStyle: "medium", timeZone: "Africa/Nairobi" });

export function BalanceAnswer({ balance }: { balance: BalanceView }) {
  if (balance.waiting)
    return (
      <InlineStack gap="200" blockAlign="center">
        <Spinner size="small" accessibilityLabel="Waiting for the balance" />
        <Text as="span">Waiting for M-PESA’s answer to the balance query…</Text>
      </InlineStack>
    );
  if (balance.error)
    return (
      <Banner tone="critical" title="The balance query failed">
        {balance.error}
      </Banner>
    );
  if (!balance.accounts) return null;
  return (
    <Banner tone="success" title="Initiator works: balance received">
      <BlockStack gap="100">
        <List type="bullet">
          {balance.accounts.map((a) => (
            <List.Item key={a.name}>
              {a.name}: {a.currency === "KES" ? kes(a.available) : `${a.currency} ${a.available}`}
              {/utility/i.test(a.name) ? " (pays B2C refunds)" : ""}
            </List.Item>
          ))}
        </List>
        {balance.answeredAt && <Text as="p">As of {when(balance.answeredAt)} (EAT).</Text>}
      </BlockStack>
    </Banner>
  );
}
