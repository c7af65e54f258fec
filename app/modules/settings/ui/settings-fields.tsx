import { BlockStack, Card, Checkbox, FormLayout, Text, TextField } from "@shopify/polaris";
import { accountReferenceTemplateProblem, renderAccountReference, SAMPLE_ORDER } from "../account-reference";
import type { FieldErrors, SecretStatus, ShopPlainSettings } from "../fields";

// The shop-wide settings form's fields (controlled): what customers see at checkout, the sandbox flag
// and the initiator. Secret fields start empty: the page never receives a stored secret, only whether
// one is stored; leaving a secret field empty keeps it.

export type ShopSecretName = "initiatorPassword" | "securityCredential";
export type ShopFormValues = ShopPlainSettings & Record<ShopSecretName, string>;
type TextName = Exclude<keyof ShopFormValues, "allowSandboxOnLiveStore">;
type Props = {
  values: ShopFormValues;
  onChange: (patch: Partial<ShopFormValues>) => void;
  errors: FieldErrors;
  secrets: Record<ShopSecretName, SecretStatus>;
  /** Whether any account uses the Daraja sandbox (the sandbox-on-live flag only matters then). */
  sandboxInUse: boolean;
};

export function secretHelp(status: SecretStatus, fallback: string): string {
  if (status.unreadable) return "A value is stored but cannot be decrypted with the current key: enter it again.";
  if (status.stored) return "Stored. Leave empty to keep it.";
  return fallback;
}

export function SettingsFields({ values, onChange, errors, secrets, sandboxInUse }: Props) {
  const text = (name: TextName) => ({
    name,
    value: values[name],
    onChange: (v: string) => onChange({ [name]: v }),
    error: errors[name as keyof FieldErrors],
    autoComplete: "off",
  });
  const secret = (name: ShopSecretName, fallback: string) => ({
    ...text(name),
    type: "password" as const,
    helpText: secretHelp(secrets[name], fallback),
    autoComplete: "new-password",
  });
  const templateProblem = accountReferenceTemplateProblem(values.accountReferenceTemplate);
  const example = templateProblem
    ? null
    : `Order ${SAMPLE_ORDER.orderName} → "${renderAccountReference(values.accountReferenceTemplate, SAMPLE_ORDER)}"`;

  return (
    <BlockStack gap="400">
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
          {!sandboxInUse && values.allowSandboxOnLiveStore && (
            // No sandbox account right now: the setting is not shown, and saving keeps it as it is.
            <input type="hidden" name="allowSandboxOnLiveStore" value="true" />
          )}
          {sandboxInUse && (
            <Checkbox
              label="Let sandbox payments mark orders paid on this store even though it is not a development store"
              helpText="Off by default. Sandbox payments are test money: on a development store they are always recorded, tagged mpesa-test; on a live store they go to review unless this is on."
              name="allowSandboxOnLiveStore"
              value="true"
              checked={values.allowSandboxOnLiveStore}
              onChange={(checked) => onChange({ allowSandboxOnLiveStore: checked })}
            />
          )}
        </FormLayout>
      </Card>
      <Card>
        <FormLayout>
          <Text as="h2" variant="headingMd">
            Initiator (optional)
          </Text>
          <Text as="p" tone="subdued">
            For transaction status queries and refunds, acting for the default account. Give a password or a ready
            security credential, not both.
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
