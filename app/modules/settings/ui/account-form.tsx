import {
  Banner,
  BlockStack,
  Box,
  Checkbox,
  ChoiceList,
  FormLayout,
  InlineError,
  List,
  Text,
  TextField,
} from "@shopify/polaris";
import type { AccountPlainSettings, FieldErrors, SecretStatus } from "../fields";
import { secretHelp } from "./settings-fields";

// One receiving M-PESA account's fields (controlled): which kind of number it is, where each number
// goes, its Daraja keys and its C2B settings. Secret fields start empty; leaving one empty keeps it.

export type AccountSecretName = "consumerSecret" | "passkey";
export type AccountFormValues = AccountPlainSettings & Record<AccountSecretName, string>;
type TextName = "label" | "businessShortCode" | "tillNumber" | "consumerKey" | AccountSecretName;

type Props = {
  values: AccountFormValues;
  onChange: (patch: Partial<AccountFormValues>) => void;
  errors: FieldErrors;
  /** Absent for a new account (nothing stored yet). */
  secrets?: Record<AccountSecretName, SecretStatus>;
  /** Why this app's address cannot carry C2B URLs at all, or null. */
  c2bProblem: string | null;
};

const NONE: SecretStatus = { stored: false, unreadable: false };

export function PaybillOrTill() {
  return (
    <BlockStack gap="200">
      <Text as="h3" variant="headingSm">
        Paybill or till?
      </Text>
      <Text as="p" tone="subdued">
        A <b>paybill</b> has one number: customers pay it with an account number, and it is also the shortcode your
        Daraja app went live with.
      </Text>
      <Text as="p" tone="subdued">
        A <b>till</b> (Buy Goods) sits in a hierarchy: <b>head office → store → till</b>. Your Daraja app went live with
        the <b>store number</b> (or the head-office number), and Safaricom sent the passkey for that number. Customers
        pay the <b>till number</b>.
      </Text>
      <List type="bullet">
        <List.Item>Store (head-office) number → the shortcode field: the prompt is sent for it.</List.Item>
        <List.Item>Till number → the till field: the money goes there.</List.Item>
      </List>
      <Text as="p" tone="subdued">
        Swapping them is the most common set-up mistake: Daraja then answers “Merchant does not exist”, or the payment
        fails after the PIN with “SFC_IC0003 The operator does not exist”.
      </Text>
    </BlockStack>
  );
}

export function AccountFields({ values, onChange, errors, secrets, c2bProblem }: Props) {
  const text = (name: TextName) => ({
    name,
    value: values[name],
    onChange: (v: string) => onChange({ [name]: v }),
    error: errors[name],
    autoComplete: "off",
  });
  const secret = (name: AccountSecretName, fallback: string) => ({
    ...text(name),
    type: "password" as const,
    helpText: secretHelp(secrets?.[name] ?? NONE, fallback),
    autoComplete: "new-password",
  });
  const till = values.shortcodeType === "till";

  return (
    <BlockStack gap="500">
      <FormLayout>
        <TextField label="Name (optional)" helpText="Only for you, e.g. “Nairobi shop till”." {...text("label")} />
        <ChoiceList
          title="Environment"
          name="environment"
          choices={[
            { label: "Sandbox (test keys from the Daraja portal)", value: "sandbox" },
            { label: "Production (live keys after Go-Live)", value: "production" },
          ]}
          selected={[values.environment]}
          onChange={([v]) => onChange({ environment: v as AccountFormValues["environment"] })}
        />
        {errors.environment && <InlineError message={errors.environment} fieldID="environment" />}
        <ChoiceList
          title="Kind of number"
          name="shortcodeType"
          choices={[
            { label: "Paybill", value: "paybill", helpText: "Customers pay a business number and an account number." },
            {
              label: "Till number (Buy Goods)",
              value: "till",
              helpText: "Customers pay a till; your Daraja app went live with its store (head-office) number.",
            },
          ]}
          selected={[values.shortcodeType]}
          onChange={([v]) => onChange({ shortcodeType: v as AccountFormValues["shortcodeType"] })}
        />
        {errors.shortcodeType && <InlineError message={errors.shortcodeType} fieldID="shortcodeType" />}
        <TextField
          label={till ? "Store number (head office)" : "Paybill number"}
          helpText={
            till
              ? "The store or head-office number your Daraja app went live with — the one the passkey was sent for. Not the till."
              : "Your paybill (business shortcode)."
          }
          inputMode="numeric"
          {...text("businessShortCode")}
        />
        {till && (
          <TextField
            label="Till number"
            helpText="The number customers pay (Buy Goods). It must be a till of the store above."
            inputMode="numeric"
            {...text("tillNumber")}
          />
        )}
      </FormLayout>
      <FormLayout>
        <Text as="h3" variant="headingSm">
          Daraja app keys
        </Text>
        <TextField label="Consumer key" {...text("consumerKey")} />
        <TextField label="Consumer secret" {...secret("consumerSecret", "From your app on the Daraja portal.")} />
        <TextField
          label="Passkey (Lipa na M-PESA Online)"
          {...secret(
            "passkey",
            till ? "64 characters, sent by Safaricom for the store number." : "64 characters, sent by Safaricom.",
          )}
        />
      </FormLayout>
      <FormLayout>
        <Text as="h3" variant="headingSm">
          Payments made from the M-PESA menu (C2B)
        </Text>
        <Text as="p" tone="subdued">
          Customers who pay your {till ? "till" : "paybill"} by hand reach the app only once its URLs are registered
          with Daraja (Register URLs, after saving).
        </Text>
        {c2bProblem && <Banner tone="warning">{c2bProblem}</Banner>}
        <ChoiceList
          title="C2B API version"
          name="c2bVersion"
          choices={[
            { label: "v2 (most accounts)", value: "v2", helpText: "Payments carry a masked phone number." },
            { label: "v1", value: "v1", helpText: "Payments carry a hashed phone number." },
          ]}
          selected={[values.c2bVersion]}
          onChange={([v]) => onChange({ c2bVersion: v as AccountFormValues["c2bVersion"] })}
        />
        <Text as="p" tone="subdued">
          Safaricom has moved merchants between the two: if registering answers “no apiproduct match”, choose the other
          one.
        </Text>
        {errors.c2bVersion && <InlineError message={errors.c2bVersion} fieldID="c2bVersion" />}
        <ChoiceList
          title="If this app does not answer a validation request in time"
          name="c2bResponseType"
          choices={[
            {
              label: "Completed: take the payment anyway",
              value: "Completed",
              helpText: "No payment is lost; one the app would have refused lands in your unmatched payments.",
            },
            {
              label: "Cancelled: refuse the payment",
              value: "Cancelled",
              helpText: "The customer keeps the money and must pay again later.",
            },
          ]}
          selected={[values.c2bResponseType]}
          onChange={([v]) => onChange({ c2bResponseType: v as AccountFormValues["c2bResponseType"] })}
        />
        {errors.c2bResponseType && <InlineError message={errors.c2bResponseType} fieldID="c2bResponseType" />}
        <Box>
          <Checkbox
            label="Validate payments before M-PESA accepts them"
            helpText="Safaricom must first turn on external validation for this shortcode (ask apisupport@safaricom.co.ke; it takes up to a day). Until then M-PESA sends only confirmations."
            name="c2bValidationEnabled"
            value="true"
            checked={values.c2bValidationEnabled}
            onChange={(checked) => onChange({ c2bValidationEnabled: checked })}
          />
        </Box>
      </FormLayout>
    </BlockStack>
  );
}
