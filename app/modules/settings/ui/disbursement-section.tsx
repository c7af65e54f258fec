import { Form } from "@remix-run/react";
import { Banner, BlockStack, Button, Card, FormLayout, InlineStack, Select, Text, TextField } from "@shopify/polaris";
import { useEffect, useState } from "react";
import type { DisbursementField, DisbursementView } from "../disbursement.server";
import type { SecretStatus } from "../fields";
import { BalanceAnswer } from "./balance-answer";
import { secretHelp } from "./settings-fields";

// The refunds (disbursement) account: the shortcode refunds are paid from, its initiator and, where
// they differ, its own Daraja app keys. Secret fields start empty (the page only knows whether each
// is stored); leaving one empty keeps it. Test connection asks Account Balance; the balance shows
// when M-PESA's answer has arrived.

type Values = {
  disburseEnvironment: "sandbox" | "production";
  disburseShortCode: string;
  disburseConsumerKey: string;
  disburseConsumerSecret: string;
  disburseInitiatorName: string;
  disburseInitiatorPassword: string;
  disburseSecurityCredential: string;
};

export type DisbursementTestView = { ok: boolean; field: string | null; message: string } | null;

type Props = {
  view: DisbursementView | null;
  errors: Partial<Record<DisbursementField, string>>;
  busy: boolean;
  pendingIntent: string | null;
  test: DisbursementTestView;
  /** After a successful save: clear the typed secrets. */
  savedAt: number;
  onDirty: (dirty: boolean) => void;
  onPost: (fields: Record<string, string>) => void;
};

const NONE: SecretStatus = { stored: false, unreadable: false };

function initial(view: DisbursementView | null): Values {
  return {
    disburseEnvironment: view?.values.environment ?? "sandbox",
    disburseShortCode: view?.values.disburseShortCode ?? "",
    disburseConsumerKey: view?.values.disburseConsumerKey ?? "",
    disburseConsumerSecret: "",
    disburseInitiatorName: view?.values.disburseInitiatorName ?? "",
    disburseInitiatorPassword: "",
    disburseSecurityCredential: "",
  };
}

export function DisbursementSection({ view, errors, busy, pendingIntent, test, savedAt, onDirty, onPost }: Props) {
  const [values, setValues] = useState<Values>(() => initial(view));
  // Back to what is stored after a save or removal, and whenever the stored values change (the loader's
  // data may arrive a render after the action's answer).
  const storedKey = JSON.stringify([view?.id ?? null, view?.values ?? null, view?.secrets ?? null]);
  useEffect(() => setValues(initial(view)), [savedAt, storedKey]); // eslint-disable-line react-hooks/exhaustive-deps
  const dirty = JSON.stringify(values) !== JSON.stringify(initial(view));
  useEffect(() => onDirty(dirty), [dirty, onDirty]);

  const text = (name: keyof Values) => ({
    name,
    value: values[name],
    onChange: (v: string) => setValues((x) => ({ ...x, [name]: v })),
    error:
      errors[name as DisbursementField] ??
      (test && !test.ok && test.field === name ? "Check this field: see the test result below." : undefined),
    autoComplete: "off",
  });
  const secret = (name: keyof Values, field: keyof DisbursementView["secrets"], fallback: string) => ({
    ...text(name),
    type: "password" as const,
    helpText: secretHelp(view?.secrets[field] ?? NONE, fallback),
    autoComplete: "new-password",
  });
  const balance = view?.balance;

  return (
    <Card>
      <Form method="post" id="disbursement-form">
        <input type="hidden" name="intent" value="save-disbursement" />
        <BlockStack gap="400">
          <Text as="h2" variant="headingMd">
            {view ? "Refunds account" : "Add a refunds account"}
          </Text>
          {!view && (
            <Text as="p" tone="subdued">
              None yet: refunds are paid back outside the app (by hand) and then marked done — unless the shop-wide
              initiator below acts for your paybill.
            </Text>
          )}
          <FormLayout>
            <Select
              label="Environment"
              name="disburseEnvironment"
              options={[
                { label: "Sandbox (test money)", value: "sandbox" },
                { label: "Production", value: "production" },
              ]}
              value={values.disburseEnvironment}
              onChange={(v) => setValues((x) => ({ ...x, disburseEnvironment: v as Values["disburseEnvironment"] }))}
              error={errors.disburseEnvironment}
            />
            <TextField
              label="Shortcode refunds are paid from"
              helpText='Your B2C shortcode, or your paybill once Safaricom converted it to "one account" (it can then pay out). B2C is paid from its utility account.'
              inputMode="numeric"
              {...text("disburseShortCode")}
            />
            <TextField
              label="API operator (initiator) for refunds"
              helpText="The API operator created on the M-PESA org portal, with the B2C, Reversal and Balance Query roles."
              {...text("disburseInitiatorName")}
            />
            <TextField
              label="Password of that operator"
              {...secret("disburseInitiatorPassword", "initiatorPassword", "The API operator's password.")}
            />
            <TextField
              label="Or its ready SecurityCredential"
              multiline={3}
              {...secret(
                "disburseSecurityCredential",
                "securityCredential",
                "Or, instead of the password: the base64 credential generated on the Daraja portal.",
              )}
              type="text"
            />
            <TextField
              label="Own Daraja app: key"
              helpText="Only when refunds use another Daraja app than your default receiving account. Leave empty to use that account's keys."
              {...text("disburseConsumerKey")}
            />
            <TextField
              label="Own Daraja app: secret"
              {...secret("disburseConsumerSecret", "consumerSecret", "The secret of that Daraja app.")}
            />
          </FormLayout>
          {test && (
            <Banner tone={test.ok ? "info" : "critical"} title={test.ok ? "Balance asked" : "Test failed"}>
              {test.message}
            </Banner>
          )}
          {balance && <BalanceAnswer balance={balance} />}
          <InlineStack gap="200" align="end">
            {view && (
              <Button
                tone="critical"
                variant="plain"
                disabled={busy}
                onClick={() => onPost({ intent: "remove-disbursement" })}
              >
                Remove refunds account
              </Button>
            )}
            <Button
              disabled={busy || !view || dirty}
              loading={busy && pendingIntent === "test-disbursement"}
              onClick={() => onPost({ intent: "test-disbursement" })}
            >
              Test refunds account
            </Button>
            <Button submit variant="primary" disabled={busy} loading={busy && pendingIntent === "save-disbursement"}>
              {view ? "Update refunds account" : "Add refunds account"}
            </Button>
          </InlineStack>
        </BlockStack>
      </Form>
    </Card>
  );
}
