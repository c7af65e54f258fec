import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation, useSubmit } from "@remix-run/react";
import { Banner, BlockStack, Button, InlineStack, Layout, Page } from "@shopify/polaris";
import { useEffect, useRef, useState } from "react";
import prisma from "../db.server";
import { authenticate } from "../shopify.server";
import { loadSettingsPage, saveShopSettings, testShopConnection } from "../modules/settings/use-cases.server";
import { SetupChecklist } from "../modules/settings/ui/setup-checklist";
import { SettingsFields, type FormValues } from "../modules/settings/ui/settings-fields";
import { SECRET_FIELDS, type FieldErrors } from "../modules/settings/fields";

// /app/settings — thin adapter: authenticate, call one settings use case, map the outcome.

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  return json(await loadSettingsPage({ db: prisma }, session.shop));
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const form = Object.fromEntries(await request.formData());
  if (form.intent === "test") {
    const outcome = await testShopConnection({ db: prisma }, session.shop, form);
    return outcome.ok
      ? json({ intent: "test" as const, errors: {} as FieldErrors, connection: outcome.result })
      : json({ intent: "test" as const, errors: outcome.errors, connection: null }, { status: 422 });
  }
  if (form.intent === "save") {
    const outcome = await saveShopSettings({ db: prisma }, session.shop, form);
    return outcome.ok
      ? json({ intent: "save" as const, errors: {} as FieldErrors, connection: null })
      : json({ intent: "save" as const, errors: outcome.errors, connection: null }, { status: 422 });
  }
  return json({ intent: "unknown" as const, errors: {} as FieldErrors, connection: null }, { status: 400 });
};

const emptySecrets = () =>
  Object.fromEntries(SECRET_FIELDS.map((f) => [f, ""])) as Pick<FormValues, (typeof SECRET_FIELDS)[number]>;

export default function SettingsPage() {
  const { view, checklist, callbackUrl, callbackUrlInsecure } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const submit = useSubmit();
  const formRef = useRef<HTMLFormElement>(null);
  const [values, setValues] = useState<FormValues>({ ...view.values, ...emptySecrets() });

  // After a successful save the typed secrets are stored: clear them from the page.
  useEffect(() => {
    if (result?.intent === "save" && Object.keys(result.errors).length === 0) {
      setValues((v) => ({ ...v, ...emptySecrets() }));
    }
  }, [result]);

  const busy = navigation.state !== "idle";
  const pendingIntent = navigation.formData?.get("intent");
  const errors: FieldErrors = result?.errors ?? {};
  const testConnection = () => {
    const data = new FormData(formRef.current!);
    data.set("intent", "test");
    submit(data, { method: "post" });
  };

  return (
    <Page
      title="Settings"
      subtitle="Your Daraja (M-PESA) credentials and how payments appear to customers"
      backAction={{ url: "/app" }}
    >
      <Layout>
        <Layout.Section>
          <BlockStack gap="400">
            <ResultBanner result={result} />
            {callbackUrlInsecure && values.environment === "production" && (
              <Banner tone="warning">
                Production Daraja only calls HTTPS addresses; this app’s callback address is not HTTPS.
              </Banner>
            )}
            <Form method="post" ref={formRef}>
              <input type="hidden" name="intent" value="save" />
              <BlockStack gap="400">
                <SettingsFields
                  values={values}
                  onChange={(patch) => setValues((v) => ({ ...v, ...patch }))}
                  errors={errors}
                  secrets={view.secrets}
                />
                <InlineStack gap="200" align="end">
                  <Button onClick={testConnection} loading={busy && pendingIntent === "test"} disabled={busy}>
                    Test connection
                  </Button>
                  <Button submit variant="primary" loading={busy && pendingIntent === "save"} disabled={busy}>
                    Save
                  </Button>
                </InlineStack>
              </BlockStack>
            </Form>
          </BlockStack>
        </Layout.Section>
        <Layout.Section variant="oneThird">
          <SetupChecklist items={checklist} callbackUrl={callbackUrl} />
        </Layout.Section>
      </Layout>
    </Page>
  );
}

function ResultBanner({ result }: { result: ReturnType<typeof useActionData<typeof action>> }) {
  if (!result) return null;
  if (Object.keys(result.errors).length > 0) {
    return (
      <Banner tone="critical" title="Some fields need attention">
        Fix the fields marked below, then try again.
      </Banner>
    );
  }
  if (result.intent === "save") return <Banner tone="success" title="Settings saved" />;
  if (result.connection) {
    return (
      <Banner
        tone={result.connection.ok ? "success" : "critical"}
        title={result.connection.ok ? "Connection works" : "Connection failed"}
      >
        {result.connection.message}
      </Banner>
    );
  }
  return null;
}
