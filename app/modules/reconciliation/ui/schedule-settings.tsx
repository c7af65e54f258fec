import { Form, useNavigation } from "@remix-run/react";
import { BlockStack, Button, Card, Checkbox, FormLayout, InlineStack, Text, TextField } from "@shopify/polaris";
import { useState } from "react";

// The reconciliation settings (daily run time in EAT, operations address, daily summary, how long a
// pending receipt may wait): a small form of its own, posted with intent "settings" to the page that
// shows it (/app/reconciliation). Validation: run/settings.server.ts.

export interface ScheduleSettingsView {
  reconcileAtEat: string | null;
  operationsEmail: string | null;
  dailySummaryEmail: boolean;
  receiptPendingHours: number;
  mailConfigured: boolean;
}

export function ScheduleSettings({
  settings,
  errors,
}: {
  settings: ScheduleSettingsView;
  errors?: Record<string, string> | null;
}) {
  const navigation = useNavigation();
  const [time, setTime] = useState(settings.reconcileAtEat ?? "off");
  const [email, setEmail] = useState(settings.operationsEmail ?? "");
  const [summary, setSummary] = useState(settings.dailySummaryEmail);
  const [hours, setHours] = useState(String(settings.receiptPendingHours));
  const busy = navigation.state !== "idle" && navigation.formData?.get("intent") === "settings";
  return (
    <Card>
      <Form method="post">
        <input type="hidden" name="intent" value="settings" />
        <BlockStack gap="300">
          <Text as="h2" variant="headingMd">
            Daily reconciliation
          </Text>
          <Text as="p" tone="subdued">
            Every day at this time (East Africa Time) the previous day is reconciled, and the operations address is
            emailed when something needs a person.
            {settings.mailConfigured
              ? ""
              : " Email is not set up on this deployment (SMTP_URL): reports are on this page only."}
          </Text>
          <FormLayout>
            <FormLayout.Group condensed>
              <TextField
                label="Run at (EAT, HH:MM, or off)"
                name="reconcileAtEat"
                value={time}
                onChange={setTime}
                autoComplete="off"
                error={errors?.reconcileAtEat}
              />
              <TextField
                label="Report receipts pending after (hours)"
                name="receiptPendingHours"
                type="number"
                min={1}
                max={168}
                value={hours}
                onChange={setHours}
                autoComplete="off"
                error={errors?.receiptPendingHours}
              />
            </FormLayout.Group>
            <TextField
              label="Operations email"
              name="operationsEmail"
              type="email"
              value={email}
              onChange={setEmail}
              autoComplete="email"
              helpText="One address. Mismatches that need a person are sent here."
              error={errors?.operationsEmail}
            />
            <Checkbox
              label="Also email a daily summary when everything is accounted for"
              checked={summary}
              onChange={setSummary}
              error={errors?.dailySummaryEmail}
            />
            {summary && <input type="hidden" name="dailySummaryEmail" value="on" />}
          </FormLayout>
          <InlineStack align="end">
            <Button submit loading={busy}>
              Save
            </Button>
          </InlineStack>
        </BlockStack>
      </Form>
    </Card>
  );
}
