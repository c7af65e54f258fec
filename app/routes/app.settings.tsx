import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation, useSubmit } from "@remix-run/react";
import { Banner, BlockStack, Button, Card, Checkbox, InlineStack, Layout, List, Page, Text } from "@shopify/polaris";
import { useEffect, useRef, useState } from "react";
import prisma from "../db.server";
import { authenticate } from "../shopify.server";
import { sharedDarajaClient } from "../payments.server";
import {
  loadSettingsPage,
  makeDefaultAccount,
  registerAccountC2b,
  removeAccount,
  saveAccount,
  saveShopSettings,
  testAccountConnection,
} from "../modules/settings/use-cases.server";
import type { ConnectionResult } from "../modules/settings/test-connection.server";
import type { RegisterOutcome } from "../modules/settings/c2b-registration.server";
import { SetupChecklist } from "../modules/settings/ui/setup-checklist";
import { SettingsFields, type ShopFormValues } from "../modules/settings/ui/settings-fields";
import { AccountFields, PaybillOrTill, type AccountFormValues } from "../modules/settings/ui/account-form";
import { AccountsList } from "../modules/settings/ui/accounts-list";
import { EMPTY_ACCOUNT, type FieldErrors } from "../modules/settings/fields";
import { AutoApproveCard } from "../ui/refunds/auto-approve-card";
import { ShopperVerifySetting } from "../modules/receipt-verification/ui/shopper-setting";
import {
  type ReconciliationActionResult,
  isReconciliationIntent,
  reconciliationSettingsAction,
  reconciliationSettingsView,
} from "../modules/reconciliation/settings.server";
import { ReceiptPolicySettings } from "../modules/reconciliation/ui/receipt-policy";
import { PullTransactionsSettings } from "../modules/reconciliation/ui/pull-transactions";
import { pullDeps } from "../reconciliation-pull.server";

// /app/settings — thin adapter: authenticate, call one settings use case, map the outcome.

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  return json({
    ...(await loadSettingsPage({ db: prisma }, session.shop)),
    reconciliation: await reconciliationSettingsView(prisma, session.shop),
  });
};

type ActionResult = {
  intent: string;
  errors: FieldErrors;
  connection: ConnectionResult | null;
  registration: RegisterOutcome | null;
  accountId: string | null;
  /** The reconciliation sections' intents (their own fetchers read this). */
  reconciliation?: ReconciliationActionResult;
};

const reply = (r: Partial<ActionResult> & { intent: string }, status = 200) =>
  json<ActionResult>({ errors: {}, connection: null, registration: null, accountId: null, ...r }, { status });

export const action = async ({ request }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const form = Object.fromEntries(await request.formData());
  const deps = { db: prisma };
  const shop = session.shop;
  const intent = typeof form.intent === "string" ? form.intent : "";
  if (isReconciliationIntent(intent)) {
    const { status, result } = await reconciliationSettingsAction(await pullDeps(), shop, intent, form);
    return reply({ intent, reconciliation: result }, status);
  }
  switch (intent) {
    case "save": {
      const outcome = await saveShopSettings(deps, shop, form);
      return outcome.ok ? reply({ intent }) : reply({ intent, errors: outcome.errors }, 422);
    }
    case "save-account":
    case "default-account":
    case "remove-account": {
      const run = {
        "save-account": saveAccount,
        "default-account": makeDefaultAccount,
        "remove-account": removeAccount,
      };
      const outcome = await run[intent](deps, shop, form);
      return outcome.ok
        ? reply({ intent, accountId: outcome.accountId })
        : reply({ intent, errors: outcome.errors }, outcome.errors.accountId ? 409 : 422);
    }
    case "test":
    case "test-account": {
      const outcome = await testAccountConnection(deps, shop, form);
      return outcome.ok
        ? reply({ intent: "test", connection: outcome.result })
        : reply({ intent: "test", errors: outcome.errors }, 422);
    }
    case "register-c2b": {
      // With the payments' shared client: one OAuth token per credential set across the app.
      const outcome = await registerAccountC2b({ ...deps, daraja: sharedDarajaClient }, shop, form);
      return outcome.ok
        ? reply({ intent, registration: outcome.result, accountId: String(form.accountId) })
        : reply({ intent, errors: outcome.errors }, 409);
    }
    default:
      return reply({ intent: "unknown" }, 400);
  }
};

const emptyShopSecrets = { initiatorPassword: "", securityCredential: "" };
const emptyAccountSecrets = { consumerSecret: "", passkey: "" };

export default function SettingsPage() {
  const { shop, accounts, checklist, callbackUrl, callbackUrlInsecure, c2b, reconciliation } =
    useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const submit = useSubmit();
  const accountFormRef = useRef<HTMLFormElement>(null);
  const [shopValues, setShopValues] = useState<ShopFormValues>({ ...shop.values, ...emptyShopSecrets });
  // Which account the form edits: an id, "new", or none. A shop without accounts starts with a new one.
  const [editing, setEditing] = useState<string | null>(accounts.length === 0 ? "new" : null);
  const editedAccount = accounts.find((a) => a.id === editing);
  const [accountValues, setAccountValues] = useState<AccountFormValues>({ ...EMPTY_ACCOUNT, ...emptyAccountSecrets });

  const [makeDefault, setMakeDefault] = useState(false);
  const edit = (id: string | null) => {
    const a = accounts.find((x) => x.id === id);
    setMakeDefault(false);
    setAccountValues({ ...(a ? a.values : EMPTY_ACCOUNT), ...emptyAccountSecrets });
    setEditing(id);
  };

  // After a successful save the typed secrets are stored: clear them from the page (and close the form).
  useEffect(() => {
    if (!result || Object.keys(result.errors).length > 0) return;
    if (result.intent === "save") setShopValues((v) => ({ ...v, ...emptyShopSecrets }));
    if (result.intent === "save-account") {
      setAccountValues((v) => ({ ...v, ...emptyAccountSecrets }));
      setEditing(null);
    }
  }, [result]);

  const busy = navigation.state !== "idle";
  const pendingIntent = navigation.formData?.get("intent");
  const errors: FieldErrors = result?.errors ?? {};
  const accountErrors = result?.intent === "save-account" || result?.intent === "test" ? errors : {};
  const shopErrors = result?.intent === "save" ? errors : {};
  const post = (fields: Record<string, string>) => submit(fields, { method: "post" });
  const testEdited = () => {
    const data = new FormData(accountFormRef.current!);
    data.set("intent", "test-account");
    submit(data, { method: "post" });
  };
  const sandboxInUse =
    accounts.some((a) => a.values.environment === "sandbox") || accountValues.environment === "sandbox";

  return (
    <Page
      title="Settings"
      subtitle="Your M-PESA accounts (Daraja credentials) and how payments appear to customers"
      backAction={{ url: "/app" }}
    >
      <Layout>
        <Layout.Section>
          <BlockStack gap="400">
            <ResultBanner result={result} />
            {callbackUrlInsecure && accounts.some((a) => a.values.environment === "production") && (
              <Banner tone="warning">
                Production Daraja only calls HTTPS addresses; this app’s callback address is not HTTPS.
              </Banner>
            )}
            <AccountsList
              accounts={accounts}
              busy={busy}
              onEdit={(id) => edit(id)}
              onAdd={() => edit("new")}
              onPost={post}
              c2b={c2b}
            />
            {editing && (
              <Card>
                <Form method="post" ref={accountFormRef}>
                  <input type="hidden" name="intent" value="save-account" />
                  <input type="hidden" name="accountId" value={editedAccount?.id ?? ""} />
                  <BlockStack gap="400">
                    <Text as="h2" variant="headingMd">
                      {editedAccount
                        ? `Edit ${editedAccount.values.label || editedAccount.receivingNumber}`
                        : "Add an M-PESA account"}
                    </Text>
                    <AccountFields
                      values={accountValues}
                      onChange={(patch) => setAccountValues((v) => ({ ...v, ...patch }))}
                      errors={accountErrors}
                      secrets={editedAccount?.secrets}
                      c2bProblem={c2b.problem}
                    />
                    {accounts.length > 0 && !editedAccount?.isDefault && (
                      <Checkbox
                        label="Make this the default account (the one customers are prompted to pay)"
                        name="makeDefault"
                        value="true"
                        checked={makeDefault}
                        onChange={setMakeDefault}
                      />
                    )}
                    <InlineStack gap="200" align="end">
                      {accounts.length > 0 && (
                        <Button onClick={() => edit(null)} disabled={busy}>
                          Cancel
                        </Button>
                      )}
                      <Button onClick={testEdited} loading={busy && pendingIntent === "test-account"} disabled={busy}>
                        Test connection
                      </Button>
                      <Button
                        submit
                        variant="primary"
                        loading={busy && pendingIntent === "save-account"}
                        disabled={busy}
                      >
                        Save account
                      </Button>
                    </InlineStack>
                  </BlockStack>
                </Form>
              </Card>
            )}
            <PullTransactionsSettings accounts={reconciliation.pullAccounts} />
            <ReceiptPolicySettings hold={reconciliation.holdUntilReceiptKnown} />
            <Form method="post">
              <input type="hidden" name="intent" value="save" />
              <BlockStack gap="400">
                <SettingsFields
                  values={shopValues}
                  onChange={(patch) => setShopValues((v) => ({ ...v, ...patch }))}
                  errors={shopErrors}
                  secrets={shop.secrets}
                  sandboxInUse={sandboxInUse}
                />
                <InlineStack gap="200" align="end">
                  <Button submit variant="primary" loading={busy && pendingIntent === "save"} disabled={busy}>
                    Save
                  </Button>
                </InlineStack>
              </BlockStack>
            </Form>
          </BlockStack>
        </Layout.Section>
        <Layout.Section variant="oneThird">
          <BlockStack gap="400">
            <SetupChecklist items={checklist} callbackUrl={callbackUrl} />
            <Card>
              <PaybillOrTill />
            </Card>
            <AutoApproveCard />
            <ShopperVerifySetting />
          </BlockStack>
        </Layout.Section>
      </Layout>
    </Page>
  );
}

function ResultBanner({ result }: { result: ReturnType<typeof useActionData<typeof action>> }) {
  if (!result) return null;
  if (result.errors.accountId) return <Banner tone="critical">{result.errors.accountId}</Banner>;
  if (Object.keys(result.errors).length > 0) {
    return (
      <Banner tone="critical" title="Some fields need attention">
        Fix the fields marked below, then try again.
      </Banner>
    );
  }
  if (result.intent === "save") return <Banner tone="success" title="Settings saved" />;
  if (result.intent === "save-account") return <Banner tone="success" title="M-PESA account saved" />;
  if (result.intent === "default-account") return <Banner tone="success" title="Default account changed" />;
  if (result.intent === "remove-account") return <Banner tone="success" title="M-PESA account removed" />;
  if (result.registration) {
    return (
      <Banner
        tone={result.registration.ok ? "success" : "critical"}
        title={result.registration.ok ? "C2B URLs registered" : "C2B URLs not registered"}
      >
        {result.registration.message}
      </Banner>
    );
  }
  if (result.connection) {
    const c = result.connection;
    return (
      <Banner tone={c.ok ? "success" : "critical"} title={c.ok ? "Connection works" : "Connection failed"}>
        <BlockStack gap="100">
          <Text as="p">{c.message}</Text>
          {c.ok && c.notes && c.notes.length > 0 && (
            <List type="bullet">
              {c.notes.map((n) => (
                <List.Item key={n}>{n}</List.Item>
              ))}
            </List>
          )}
        </BlockStack>
      </Banner>
    );
  }
  return null;
}
