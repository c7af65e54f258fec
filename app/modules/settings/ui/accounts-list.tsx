import { Badge, BlockStack, Box, Button, ButtonGroup, Card, Divider, InlineStack, Text } from "@shopify/polaris";
import { useState } from "react";
import type { AccountView } from "../view.server";

// The shop's receiving M-PESA accounts, each with what it is, where C2B stands, and its actions.
// Presentation only: the rows come from the loader (no secret in them).

type Props = {
  accounts: AccountView[];
  busy: boolean;
  onEdit: (id: string) => void;
  onAdd: () => void;
  onPost: (fields: Record<string, string>) => void;
  c2b: { confirmationUrl: string; validationUrl: string; problem: string | null };
};

const when = (iso: string) => new Date(iso).toLocaleString("en-KE", { dateStyle: "medium", timeStyle: "short" });

export function describeAccount(a: Pick<AccountView, "values">): string {
  const v = a.values;
  return v.shortcodeType === "till"
    ? `Till ${v.tillNumber} · store ${v.businessShortCode}`
    : `Paybill ${v.businessShortCode}`;
}

export function AccountsList({ accounts, busy, onEdit, onAdd, onPost, c2b }: Props) {
  // Removing asks once more, on the same button's place.
  const [confirming, setConfirming] = useState<string | null>(null);
  return (
    <Card>
      <BlockStack gap="400">
        <InlineStack align="space-between" blockAlign="center">
          <Text as="h2" variant="headingMd">
            M-PESA accounts
          </Text>
          <Button onClick={onAdd} disabled={busy}>
            Add an account
          </Button>
        </InlineStack>
        {accounts.length === 0 && (
          <Text as="p" tone="subdued">
            No M-PESA account yet: add your paybill or till below so customers can pay.
          </Text>
        )}
        {accounts.map((a, i) => (
          <BlockStack gap="300" key={a.id}>
            {i > 0 && <Divider />}
            <InlineStack gap="200" blockAlign="center">
              <Text as="h3" variant="headingSm">
                {a.values.label || describeAccount(a)}
              </Text>
              {a.isDefault && <Badge tone="info">Default: customers are prompted to pay this one</Badge>}
              <Badge tone={a.values.environment === "production" ? "success" : "attention"}>
                {a.values.environment === "production" ? "Production" : "Sandbox"}
              </Badge>
            </InlineStack>
            <Text as="p" tone="subdued">
              {a.values.label ? `${describeAccount(a)}. ` : ""}
              {a.values.shortcodeType === "till"
                ? "Prompts are sent for the store number; the money goes to the till."
                : "Prompts and money both use the paybill."}
            </Text>
            {(a.secrets.consumerSecret.unreadable || a.secrets.passkey.unreadable) && (
              <Text as="p" tone="critical">
                A stored secret of this account cannot be decrypted with the current key: edit it and enter it again.
              </Text>
            )}
            <Box>
              <C2bStatus account={a} />
            </Box>
            <ButtonGroup>
              <Button onClick={() => onEdit(a.id)} disabled={busy}>
                Edit
              </Button>
              <Button onClick={() => onPost({ intent: "test-account", accountId: a.id })} disabled={busy}>
                Test connection
              </Button>
              <Button
                onClick={() => onPost({ intent: "register-c2b", accountId: a.id })}
                disabled={busy || !!c2b.problem}
              >
                {a.c2b.registered ? "Register URLs again" : "Register URLs"}
              </Button>
              {!a.isDefault && (
                <Button onClick={() => onPost({ intent: "default-account", accountId: a.id })} disabled={busy}>
                  Make default
                </Button>
              )}
              {confirming === a.id ? (
                <Button
                  tone="critical"
                  variant="primary"
                  onClick={() => onPost({ intent: "remove-account", accountId: a.id })}
                  disabled={busy}
                >
                  Remove it: customers can no longer pay it here
                </Button>
              ) : (
                <Button
                  tone="critical"
                  onClick={() => setConfirming(a.id)}
                  disabled={busy || (a.isDefault && accounts.length > 1)}
                >
                  Remove
                </Button>
              )}
            </ButtonGroup>
          </BlockStack>
        ))}
      </BlockStack>
    </Card>
  );
}

function C2bStatus({ account: a }: { account: AccountView }) {
  const reg = a.c2b.registered;
  const settings = `C2B ${a.values.c2bVersion}, ResponseType ${a.values.c2bResponseType}, validation ${
    a.values.c2bValidationEnabled ? "on" : "off"
  }`;
  return (
    <BlockStack gap="100">
      <InlineStack gap="200" blockAlign="center">
        <Text as="span" fontWeight="semibold">
          Payments from the M-PESA menu (C2B):
        </Text>
        {reg ? <Badge tone="success">Registered</Badge> : <Badge>Not registered</Badge>}
      </InlineStack>
      <Text as="p" tone="subdued">
        {settings}.
        {reg &&
          ` Registered ${when(reg.at)} for ${reg.shortCode} (${reg.version}): Daraja posts to ${reg.confirmationUrl}${
            a.values.c2bValidationEnabled ? ` and validates at ${reg.validationUrl}` : ""
          }.`}
        {reg &&
          reg.version !== a.values.c2bVersion &&
          ` The version changed since: register again to use ${a.values.c2bVersion}.`}
      </Text>
      {a.c2b.lastError && (
        <Text as="p" tone="critical">
          Last attempt ({when(a.c2b.lastError.at)}): {a.c2b.lastError.message}
        </Text>
      )}
    </BlockStack>
  );
}
