import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import {
  Form,
  useActionData,
  useBeforeUnload,
  useBlocker,
  useLoaderData,
  useNavigation,
  useRevalidator,
  useSubmit,
} from "@remix-run/react";
import {
  Banner,
  BlockStack,
  Button,
  Card,
  Checkbox,
  InlineStack,
  Layout,
  List,
  Modal,
  Page,
  Text,
} from "@shopify/polaris";
import { SaveBar } from "@shopify/app-bridge-react";
import { useCallback, useEffect, useRef, useState } from "react";
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
import {
  removeDisbursement,
  saveDisbursement,
  testDisbursement,
  testShopInitiator,
  type DisbursementTestResult,
} from "../modules/settings/disbursement-use-cases.server";
import { DisbursementSection } from "../modules/settings/ui/disbursement-section";
import { BalanceAnswer } from "../modules/settings/ui/balance-answer";
import { focusFirstError, SettingsSections, type SettingsSection } from "../modules/settings/ui/settings-sections";
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
  errors: FieldErrors & Record<string, string | undefined>;
  connection: ConnectionResult | null;
  registration: RegisterOutcome | null;
  accountId: string | null;
  disbursementTest: DisbursementTestResult | null;
  /** The shop-wide initiator's balance test (its answer arrives later, in the loader's initiatorBalance). */
  initiatorTest?: DisbursementTestResult;
  /** The reconciliation sections' intents (their own fetchers read this). */
  reconciliation?: ReconciliationActionResult;
};

const reply = (r: Partial<ActionResult> & { intent: string }, status = 200) =>
  json<ActionResult>(
    { errors: {}, connection: null, registration: null, accountId: null, disbursementTest: null, ...r },
    { status },
  );

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
      // A failed test marks the fields Daraja's answer points at, as a failed Save does.
      return outcome.ok
        ? reply({
            intent: "test",
            connection: outcome.result,
            errors: outcome.result.ok ? {} : (outcome.result.fields ?? {}),
          })
        : reply({ intent: "test", errors: outcome.errors }, 422);
    }
    case "register-c2b": {
      // With the payments' shared client: one OAuth token per credential set across the app.
      const outcome = await registerAccountC2b({ ...deps, daraja: sharedDarajaClient }, shop, form);
      return outcome.ok
        ? reply({ intent, registration: outcome.result, accountId: String(form.accountId) })
        : reply({ intent, errors: outcome.errors }, 409);
    }
    case "save-disbursement": {
      const outcome = await saveDisbursement(deps, shop, form);
      return outcome.ok ? reply({ intent }) : reply({ intent, errors: outcome.errors }, 422);
    }
    case "remove-disbursement":
      await removeDisbursement(deps, shop);
      return reply({ intent });
    case "test-disbursement":
      return reply({ intent, disbursementTest: await testDisbursement(deps, shop) });
    case "test-initiator":
      return reply({ intent, initiatorTest: await testShopInitiator(deps, shop) });
    default:
      return reply({ intent: "unknown" }, 400);
  }
};

const emptyShopSecrets = { initiatorPassword: "", securityCredential: "" };
const emptyAccountSecrets = { consumerSecret: "", passkey: "" };
const SAVE_BAR_ID = "settings-save-bar";

type ToastApi = { toast?: { show: (message: string, opts?: { isError?: boolean; duration?: number }) => void } };
/** App Bridge's toast (the sandbox's App Bridge stand-in has one too). */
function toast(message: string, isError = false) {
  (globalThis as unknown as { shopify?: ToastApi }).shopify?.toast?.show(message, { isError, duration: 6000 });
}

export default function SettingsPage() {
  const {
    shop,
    accounts,
    checklist,
    callbackUrl,
    callbackUrlInsecure,
    c2b,
    reachability,
    disbursement,
    initiatorBalance,
    reconciliation,
  } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const submit = useSubmit();
  const revalidator = useRevalidator();
  const accountFormRef = useRef<HTMLFormElement>(null);
  const shopFormRef = useRef<HTMLFormElement>(null);
  const initialShopValues = { ...shop.values, ...emptyShopSecrets };
  const [shopValues, setShopValues] = useState<ShopFormValues>(initialShopValues);
  // Which account the form edits: an id, "new", or none. A shop without accounts starts with a new one.
  const [editing, setEditing] = useState<string | null>(accounts.length === 0 ? "new" : null);
  const editedAccount = accounts.find((a) => a.id === editing);
  const [accountValues, setAccountValues] = useState<AccountFormValues>({ ...EMPTY_ACCOUNT, ...emptyAccountSecrets });
  const [accountDirty, setAccountDirty] = useState(false);
  const [disbursementDirty, setDisbursementDirty] = useState(false);
  const [disbursementSavedAt, setDisbursementSavedAt] = useState(0);

  const [makeDefault, setMakeDefault] = useState(false);
  const edit = (id: string | null) => {
    const a = accounts.find((x) => x.id === id);
    setMakeDefault(false);
    setAccountValues({ ...(a ? a.values : EMPTY_ACCOUNT), ...emptyAccountSecrets });
    setAccountDirty(false);
    setEditing(id);
  };

  // Unsaved edits of the shop-wide form: the save bar shows while there are any.
  const shopDirty = JSON.stringify(shopValues) !== JSON.stringify(initialShopValues);
  const discardShop = () => setShopValues(initialShopValues);

  // After a successful save the typed secrets are stored: clear them from the page (and close the form).
  // Every answer is also a toast; a Save with errors scrolls to (and focuses) the first field to fix.
  useEffect(() => {
    if (!result) return;
    const failed = Object.keys(result.errors).length > 0;
    if (result.connection && !result.connection.ok) {
      toast(failed ? "Connection failed: fix the field marked in red" : "Connection failed", true);
      if (failed) requestAnimationFrame(() => focusFirstError());
      return;
    }
    if (failed) {
      toast(result.errors.accountId ?? "Some fields need attention: fix the field marked in red.", true);
      requestAnimationFrame(() => focusFirstError());
      return;
    }
    if (result.intent === "save") {
      setShopValues((v) => ({ ...v, ...emptyShopSecrets }));
      toast("Settings saved");
    }
    if (result.intent === "save-account") {
      setAccountValues((v) => ({ ...v, ...emptyAccountSecrets }));
      setAccountDirty(false);
      setEditing(null);
      toast("M-PESA account saved");
    }
    if (result.intent === "save-disbursement") {
      setDisbursementSavedAt(Date.now());
      toast("Refunds account saved");
    }
    if (result.intent === "remove-disbursement") {
      setDisbursementSavedAt(Date.now());
      toast("Refunds account removed");
    }
    if (result.intent === "default-account") toast("Default account changed");
    if (result.intent === "remove-account") toast("M-PESA account removed");
    if (result.connection)
      toast(result.connection.ok ? "Connection works" : "Connection failed", !result.connection.ok);
    if (result.registration)
      toast(result.registration.ok ? "C2B URLs registered" : "C2B URLs not registered", !result.registration.ok);
    if (result.initiatorTest) {
      toast(result.initiatorTest.ok ? "Balance asked" : "Initiator test failed", !result.initiatorTest.ok);
      if (!result.initiatorTest.ok) requestAnimationFrame(() => focusFirstError());
    }
    if (result.disbursementTest) {
      toast(result.disbursementTest.ok ? "Balance asked" : "Refunds account test failed", !result.disbursementTest.ok);
      if (!result.disbursementTest.ok) requestAnimationFrame(() => focusFirstError());
    }
  }, [result]);

  // The balance answer arrives on its own: look again every 2 s while it is awaited (at most a minute).
  const waitingForBalance = !!disbursement?.balance.waiting || !!initiatorBalance?.waiting;
  useEffect(() => {
    if (!waitingForBalance) return;
    const started = Date.now();
    const timer = setInterval(() => {
      if (Date.now() - started > 60_000) clearInterval(timer);
      else if (revalidator.state === "idle") revalidator.revalidate();
    }, 2000);
    return () => clearInterval(timer);
  }, [waitingForBalance]); // eslint-disable-line react-hooks/exhaustive-deps

  // Leave-page guard: unsaved edits in any form ask before navigating away or closing the tab.
  const busy = navigation.state !== "idle";
  const unsaved = shopDirty || (!!editing && accountDirty) || disbursementDirty;
  const blocker = useBlocker(
    ({ currentLocation, nextLocation }) => unsaved && !busy && currentLocation.pathname !== nextLocation.pathname,
  );
  useBeforeUnload(
    useCallback(
      (event: BeforeUnloadEvent) => {
        if (!unsaved) return;
        event.preventDefault();
        event.returnValue = "";
      },
      [unsaved],
    ),
  );

  const pendingIntent = navigation.formData?.get("intent");
  const errors: FieldErrors = result?.errors ?? {};
  const accountErrors = result?.intent === "save-account" || result?.intent === "test" ? errors : {};
  const initiatorTest = result?.intent === "test-initiator" ? result.initiatorTest : undefined;
  const shopErrors =
    result?.intent === "save"
      ? errors
      : initiatorTest && !initiatorTest.ok && initiatorTest.field
        ? { [initiatorTest.field]: "Check this field: see the initiator test below." }
        : {};
  const post = (fields: Record<string, string>) => submit(fields, { method: "post" });
  const saveShop = () => shopFormRef.current && submit(shopFormRef.current, { method: "post" });
  const testEdited = () => {
    const data = new FormData(accountFormRef.current!);
    data.set("intent", "test-account");
    submit(data, { method: "post" });
  };
  const sandboxInUse =
    accounts.some((a) => a.values.environment === "sandbox") || accountValues.environment === "sandbox";
  const productionInUse =
    accounts.some((a) => a.values.environment === "production") || disbursement?.values.environment === "production";
  const accountResult = result && (result.intent === "register-c2b" || result.errors.accountId) ? result : undefined;

  // The page: one annotated section per subject. To add a setting, add an entry here (README).
  const sections: SettingsSection[] = [
    {
      id: "accounts",
      title: "M-PESA accounts",
      description: (
        <BlockStack gap="200">
          <Text as="p">
            The paybills and tills customers pay, each with its Daraja app keys. Test connection checks the keys, the
            shortcode with its passkey, the C2B registration and the callback address.
          </Text>
          <PaybillOrTill />
        </BlockStack>
      ),
      content: (
        <BlockStack gap="400">
          <ResultBanner result={accountResult} />
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
              <Form method="post" ref={accountFormRef} onChange={() => setAccountDirty(true)}>
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
                    onChange={(patch) => {
                      setAccountDirty(true);
                      setAccountValues((v) => ({ ...v, ...patch }));
                    }}
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
                  {(result?.intent === "test" || result?.intent === "save-account") && <ResultBanner result={result} />}
                  <InlineStack gap="200" align="end">
                    {accounts.length > 0 && (
                      <Button onClick={() => edit(null)} disabled={busy}>
                        Cancel
                      </Button>
                    )}
                    <Button onClick={testEdited} loading={busy && pendingIntent === "test-account"} disabled={busy}>
                      Test connection
                    </Button>
                    <Button submit variant="primary" loading={busy && pendingIntent === "save-account"} disabled={busy}>
                      Save account
                    </Button>
                  </InlineStack>
                </BlockStack>
              </Form>
            </Card>
          )}
        </BlockStack>
      ),
    },
    {
      id: "callbacks",
      title: "Callback address",
      description:
        "Where Daraja sends payment results. Safaricom's production servers call only public HTTPS addresses.",
      content: (
        <Card>
          {reachability.problems.length === 0 ? (
            <Text as="p">{reachability.baseUrl} is a public HTTPS address: Daraja can deliver results here.</Text>
          ) : (
            <Banner
              tone={productionInUse ? "critical" : "warning"}
              title={productionInUse ? "Daraja cannot reach this app" : "This address will fail in production"}
            >
              <BlockStack gap="200">
                <Text as="p">
                  {reachability.baseUrl}: {reachability.problems.join("; ")}.
                </Text>
                <Text as="p">{reachability.consequence}</Text>
                {!productionInUse && <Text as="p">It works here for the Daraja sandbox and the local emulator.</Text>}
              </BlockStack>
            </Banner>
          )}
          {callbackUrlInsecure && productionInUse && (
            <Text as="p" tone="critical">
              Production Daraja only calls HTTPS addresses; this app’s callback address is not HTTPS.
            </Text>
          )}
        </Card>
      ),
    },
    {
      id: "shop",
      title: "Checkout and initiator",
      description:
        "What customers see at checkout, and the shop-wide initiator (transaction status queries, and refunds when no refunds account is set).",
      content: (
        <Form method="post" ref={shopFormRef} onReset={discardShop}>
          <input type="hidden" name="intent" value="save" />
          <BlockStack gap="400">
            <SettingsFields
              values={shopValues}
              onChange={(patch) => setShopValues((v) => ({ ...v, ...patch }))}
              errors={shopErrors}
              secrets={shop.secrets}
              sandboxInUse={sandboxInUse}
            />
            {initiatorTest && (
              <Banner
                tone={initiatorTest.ok ? "info" : "critical"}
                title={initiatorTest.ok ? "Balance asked" : "Initiator test failed"}
              >
                {initiatorTest.message}
              </Banner>
            )}
            {initiatorBalance && <BalanceAnswer balance={initiatorBalance} />}
            <InlineStack gap="200" align="end">
              {shop.values.initiatorName && (
                // Tests what is saved: with unsaved edits, save first.
                <Button
                  onClick={() => post({ intent: "test-initiator" })}
                  loading={busy && pendingIntent === "test-initiator"}
                  disabled={busy || shopDirty}
                >
                  Test initiator
                </Button>
              )}
              {!shopDirty && (
                // While there are edits the save bar is the Save button (App Bridge's, or the sandbox's).
                <Button submit variant="primary" loading={busy && pendingIntent === "save"} disabled={busy}>
                  Save
                </Button>
              )}
            </InlineStack>
          </BlockStack>
        </Form>
      ),
    },
    {
      id: "refunds",
      title: "Refunds account",
      description:
        "The shortcode and initiator refunds are paid from (B2C and Reversal). Test it to see the initiator work: M-PESA answers with the account balances.",
      content: (
        <DisbursementSection
          view={disbursement}
          errors={result?.intent === "save-disbursement" ? (result.errors as Record<string, string>) : {}}
          busy={busy}
          pendingIntent={typeof pendingIntent === "string" ? pendingIntent : null}
          test={
            result?.intent === "test-disbursement" && result.disbursementTest
              ? { field: null, ...result.disbursementTest }
              : null
          }
          savedAt={disbursementSavedAt}
          onDirty={setDisbursementDirty}
          onPost={post}
        />
      ),
    },
    {
      id: "missed-callbacks",
      title: "Missed callbacks and Pull Transactions",
      description:
        "When Safaricom confirms a payment but its callback never arrives, what the order shows, and how the app fetches the receipts it missed.",
      content: (
        <BlockStack gap="400">
          <ReceiptPolicySettings hold={reconciliation.holdUntilReceiptKnown} />
          <PullTransactionsSettings accounts={reconciliation.pullAccounts} />
        </BlockStack>
      ),
    },
    {
      id: "refund-rule",
      title: "Refund approval",
      description: "Refunds made in the Shopify admin wait for your approval unless they are within this limit.",
      content: <AutoApproveCard />,
    },
    {
      id: "verify-by-code",
      title: "Verify by M-PESA code",
      description:
        "Whether shoppers may confirm a payment themselves by typing its M-PESA code on the order-status page.",
      content: <ShopperVerifySetting />,
    },
    {
      id: "checklist",
      title: "Set-up checklist",
      description: "What is left to do, here and in the Shopify admin.",
      content: <SetupChecklist items={checklist} callbackUrl={callbackUrl} />,
    },
  ];

  return (
    <Page
      title="Settings"
      subtitle="Your M-PESA accounts (Daraja credentials) and how payments appear to customers"
      backAction={{ url: "/app" }}
    >
      <SaveBar id={SAVE_BAR_ID} open={shopDirty}>
        {/* App Bridge's save bar reads `variant` on its buttons (ui-save-bar API). */}
        {/* eslint-disable-next-line react/no-unknown-property */}
        <button variant="primary" onClick={saveShop} disabled={busy}>
          Save
        </button>
        <button onClick={discardShop} disabled={busy}>
          Discard
        </button>
      </SaveBar>
      <SettingsSections sections={sections} />
      <Modal
        open={blocker.state === "blocked"}
        onClose={() => blocker.reset?.()}
        title="Leave with unsaved changes?"
        primaryAction={{ content: "Leave page", destructive: true, onAction: () => blocker.proceed?.() }}
        secondaryActions={[{ content: "Stay", onAction: () => blocker.reset?.() }]}
      >
        <Modal.Section>
          <Text as="p">Your edits on this page are not saved. Leave anyway and lose them?</Text>
        </Modal.Section>
      </Modal>
      <Layout>
        <Layout.Section>
          <div style={{ height: "2rem" }} />
        </Layout.Section>
      </Layout>
    </Page>
  );
}

function ResultBanner({ result }: { result: ReturnType<typeof useActionData<typeof action>> }) {
  if (!result) return null;
  if (result.errors.accountId) return <Banner tone="critical">{result.errors.accountId}</Banner>;
  // A failed connection test says what Daraja answered; the fields it points at are marked below.
  if (Object.keys(result.errors).length > 0 && !result.connection) {
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
