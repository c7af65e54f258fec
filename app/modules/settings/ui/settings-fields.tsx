import { BlockStack, Card, Checkbox, ChoiceList, FormLayout, InlineError, Text, TextField } from "@shopify/polaris";
import { accountReferenceTemplateProblem, renderAccountReference, SAMPLE_ORDER } from "../account-reference";
import type { FieldErrors, PlainSettings, SecretField, SecretStatus } from "../fields";

// The settings form's fields (controlled). Secret fields start empty: the page never receives a
// stored secret, only whether one is stored; leaving a secret field empty keeps it.

export type FormValues = PlainSettings & Record<SecretField, string>;
type TextName = Exclude<keyof FormValues, "allowSandboxOnLiveStore">;
type Props = {
  values: FormValues;
  onChange: (patch: Partial<FormValues>) => void;
  errors: FieldErrors;
  secrets: Record<SecretField, SecretStatus>;
};

function secretHelp(status: SecretStatus, fallback: string): string {
  if (status.unreadable) return "A value is stored but cannot be decrypted with the current key: enter it again.";
  if (status.stored) return "Stored. Leave empty to keep it.";
  return fallback;
}

export function SettingsFields({ values, onChange, errors, secrets }: Props) {
  const text = (name: TextName) => ({
    name,
    value: values[name],
    onChange: (v: string) => onChange({ [name]: v }),
    error: errors[name as keyof FieldErrors],
    autoComplete: "off",
  });
  const secret = (name: SecretField, fallback: string) => ({
    ...text(name),
    type: "password" as const,
    helpText: secretHelp(secrets[name], fallback),
    autoComplete: "new-password",
  });
  const till = values.shortcodeType === "till";
  const templateProblem = accountReferenceTemplateProblem(values.accountReferenceTemplate);
  const example = templateProblem
    ? null
    : `Order ${SAMPLE_ORDER.orderName} → "${renderAccountReference(values.accountReferenceTemplate, SAMPLE_ORDER)}"`;

  return (
    <BlockStack gap="400">
      <Card>
        <FormLayout>
          <Text as="h2" variant="headingMd">
            Daraja account
          </Text>
          <ChoiceList
            title="Environment"
            name="environment"
            choices={[
              { label: "Sandbox (test keys from the Daraja portal)", value: "sandbox" },
              { label: "Production (live keys after Go-Live)", value: "production" },
            ]}
            selected={[values.environment]}
            onChange={([v]) => onChange({ environment: v as FormValues["environment"] })}
          />
          {errors.environment && <InlineError message={errors.environment} fieldID="environment" />}
          {values.environment === "sandbox" && (
            <Checkbox
              label="Let sandbox payments mark orders paid on this store even though it is not a development store"
              helpText="Off by default. Sandbox payments are test money: on a development store they are always recorded, tagged mpesa-test; on a live store they go to review unless this is on."
              name="allowSandboxOnLiveStore"
              value="true"
              checked={values.allowSandboxOnLiveStore}
              onChange={(checked) => onChange({ allowSandboxOnLiveStore: checked })}
            />
          )}
          <ChoiceList
            title="Shortcode type"
            name="shortcodeType"
            choices={[
              { label: "Paybill", value: "paybill" },
              { label: "Till number (Buy Goods)", value: "till" },
            ]}
            selected={[values.shortcodeType]}
            onChange={([v]) => onChange({ shortcodeType: v as FormValues["shortcodeType"] })}
          />
          {errors.shortcodeType && <InlineError message={errors.shortcodeType} fieldID="shortcodeType" />}
          <TextField
            label={till ? "Store number (head office)" : "Paybill number"}
            helpText={
              till
                ? "The store / head-office number used at Go-Live, not the till."
                : "Your paybill (business shortcode)."
            }
            inputMode="numeric"
            {...text("businessShortCode")}
          />
          {till && <TextField label="Till number" inputMode="numeric" {...text("tillNumber")} />}
        </FormLayout>
      </Card>
      <Card>
        <FormLayout>
          <Text as="h2" variant="headingMd">
            API keys
          </Text>
          <TextField label="Consumer key" {...text("consumerKey")} />
          <TextField label="Consumer secret" {...secret("consumerSecret", "From your app on the Daraja portal.")} />
          <TextField
            label="Passkey (Lipa na M-PESA Online)"
            {...secret("passkey", "64 characters, sent by Safaricom.")}
          />
        </FormLayout>
      </Card>
      <Card>
        <FormLayout>
          <Text as="h2" variant="headingMd">
            At checkout
          </Text>
          <TextField
            label="Manual payment method name"
            helpText="Must match the manual payment method you create in Shopify exactly."
            {...text("paymentMethodName")}
          />
          <TextField
            label="Account reference"
            helpText={`Shown in the M-PESA prompt (max 12 letters/digits). Placeholders: {order_number}, {order_name}. ${example ?? ""}`}
            {...text("accountReferenceTemplate")}
            error={errors.accountReferenceTemplate ?? templateProblem ?? undefined}
          />
        </FormLayout>
      </Card>
      <Card>
        <FormLayout>
          <Text as="h2" variant="headingMd">
            Initiator (optional)
          </Text>
          <Text as="p" tone="subdued">
            For transaction status queries and refunds. Give a password or a ready security credential, not both.
          </Text>
          <TextField
            label="Initiator name"
            helpText="Leave empty to remove the initiator."
            {...text("initiatorName")}
          />
          <TextField label="Initiator password" {...secret("initiatorPassword", "The API operator's password.")} />
          <TextField
            label="Security credential"
            multiline={3}
            {...secret("securityCredential", "Base64, generated on the Daraja portal.")}
            type="text"
          />
        </FormLayout>
      </Card>
    </BlockStack>
  );
}
