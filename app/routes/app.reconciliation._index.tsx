import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import {
  Badge,
  Banner,
  BlockStack,
  Box,
  Button,
  Card,
  DataTable,
  InlineStack,
  Layout,
  Page,
  Text,
  TextField,
} from "@shopify/polaris";
import { useState } from "react";
import prisma from "../db.server";
import { env } from "../lib/env.server";
import { actorFrom } from "../modules/c2b/queue.server";
import { runDeps } from "../modules/reconciliation/run/deps.server";
import { SEND_RECONCILIATION_EMAIL } from "../modules/reconciliation/run/job-types";
import {
  getRun,
  listRuns,
  markHandled,
  runItems,
  runView,
  type ItemView,
} from "../modules/reconciliation/run/report.server";
import { runReconciliation } from "../modules/reconciliation/run/run.server";
import { eatDay, eatDaysWindow } from "../modules/reconciliation/run/schedule.server";
import {
  getReconcileSettings,
  parseReconcileSettings,
  saveReconcileSettings,
} from "../modules/reconciliation/run/settings.server";
import { ScheduleSettings } from "../modules/reconciliation/ui/schedule-settings";
import { authenticate } from "../shopify.server";

// /app/reconciliation — the reconciliation report (docs/RECONCILIATION.md, "The run"): the last runs, the
// chosen run's mismatches with the rows behind them and the action that resolves each (apply to order
// and refund are the unmatched queue's and the payment page's own; "mark handled" is recorded here with
// who and when), "run now" for a window of EAT days, the CSV of any run, and the daily-run settings.

const MAX_DAYS = 31;

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const shop = session.shop;
  const runs = await listRuns(prisma, shop);
  const wanted = new URL(request.url).searchParams.get("run");
  const chosen = wanted ? await getRun(prisma, shop, wanted) : null;
  const run = chosen ? runView(chosen) : (runs[0] ?? null);
  const mailJobs = run
    ? await prisma.job.findMany({
        where: { shopDomain: shop, dedupeKey: { startsWith: `${SEND_RECONCILIATION_EMAIL.name}:${run.id}:` } },
        orderBy: { createdAt: "desc" },
        take: 1,
        select: { status: true, attempts: true, lastError: true, updatedAt: true },
      })
    : [];
  const settings = await getReconcileSettings(prisma, shop);
  const yesterday = eatDay(new Date(Date.now() - 24 * 3600_000)).label;
  return json({
    runs,
    run,
    items: run ? await runItems(prisma, shop, run.id) : [],
    mail: mailJobs[0]
      ? {
          status: mailJobs[0].status,
          attempts: mailJobs[0].attempts,
          lastError: mailJobs[0].status === "DONE" ? null : mailJobs[0].lastError,
        }
      : null,
    settings: { ...settings, mailConfigured: !!env().SMTP_URL },
    defaultDay: yesterday,
  });
};

type ActionData =
  { ok: true; message: string; runId?: string } | { ok: false; message: string; errors?: Record<string, string> };

export const action = async ({ request }: ActionFunctionArgs) => {
  const { session, sessionToken } = await authenticate.admin(request);
  const shop = session.shop;
  const form = await request.formData();
  const field = (k: string) => String(form.get(k) ?? "");
  const intent = field("intent");
  if (intent === "run") {
    const window = eatDaysWindow(field("from"), field("to"));
    if (!window) return json<ActionData>({ ok: false, message: "Choose the first and last day (YYYY-MM-DD)." }, 422);
    if (window.to.getTime() - window.from.getTime() > MAX_DAYS * 24 * 3600_000)
      return json<ActionData>({ ok: false, message: `A run covers at most ${MAX_DAYS} days.` }, 422);
    if (window.from.getTime() > Date.now())
      return json<ActionData>({ ok: false, message: "That window has not started yet." }, 422);
    const outcome = await runReconciliation(runDeps(prisma), { shop, window, trigger: "ON_DEMAND" });
    if (outcome.status === "busy")
      return json<ActionData>(
        { ok: false, message: "This window is being reconciled right now; reload in a moment." },
        409,
      );
    return json<ActionData>({
      ok: true,
      runId: outcome.runId,
      message:
        outcome.itemCount === 0
          ? "Reconciled: no mismatches."
          : `Reconciled: ${outcome.itemCount} mismatches, ${outcome.needsPerson} need attention.`,
    });
  }
  if (intent === "handled") {
    const user = session.onlineAccessInfo?.associated_user;
    const actor = actorFrom({
      userId: user?.id ?? sessionToken?.sub ?? null,
      name: user ? [user.first_name, user.last_name].filter(Boolean).join(" ") : null,
      email: user?.email ?? null,
    });
    const result = await markHandled(prisma, shop, { itemId: field("itemId"), note: field("note") }, actor.label);
    return json<ActionData>(result, result.ok ? 200 : 422);
  }
  if (intent === "settings") {
    const parsed = parseReconcileSettings({
      reconcileAtEat: field("reconcileAtEat"),
      operationsEmail: field("operationsEmail"),
      dailySummaryEmail: field("dailySummaryEmail"),
      receiptPendingHours: field("receiptPendingHours"),
    });
    if (!parsed.ok) return json<ActionData>({ ok: false, message: "Check the settings.", errors: parsed.errors }, 422);
    if (!(await saveReconcileSettings(prisma, shop, parsed.settings)))
      return json<ActionData>({ ok: false, message: "Set up M-PESA in Settings first." }, 409);
    return json<ActionData>({ ok: true, message: "Reconciliation settings saved." });
  }
  return json<ActionData>({ ok: false, message: "Unknown action." }, 400);
};

export default function ReconciliationPage() {
  const { runs, run, items, mail, settings, defaultDay } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const [from, setFrom] = useState(defaultDay);
  const [to, setTo] = useState(defaultDay);
  const running = navigation.state !== "idle" && navigation.formData?.get("intent") === "run";
  const open = items.filter((i) => !i.handled);
  return (
    <Page
      title="Reconciliation"
      subtitle="The app's payments, Shopify's orders and the M-PESA statement compared (times in EAT)"
      backAction={{ content: "Home", url: "/app" }}
      secondaryActions={[{ content: "Import a statement", url: "/app/reconciliation/import" }]}
    >
      <Layout>
        {result && (
          <Layout.Section>
            <Banner tone={result.ok ? "success" : "critical"}>{result.message}</Banner>
          </Layout.Section>
        )}
        <Layout.Section>
          {!run ? (
            <Card>
              <BlockStack gap="100">
                <Text as="h2" variant="headingMd">
                  No reconciliation yet
                </Text>
                <Text as="p" tone="subdued">
                  The first daily run comes at the time set below, or run one now.
                </Text>
              </BlockStack>
            </Card>
          ) : (
            <Card>
              <BlockStack gap="300">
                <InlineStack align="space-between" blockAlign="center">
                  <BlockStack gap="100">
                    <Text as="h2" variant="headingLg">
                      {run.window}
                    </Text>
                    <Text as="p" tone="subdued">
                      {run.trigger} run · finished {run.finishedAt || "—"}
                      {run.runs > 1 ? ` · computed ${run.runs} times` : ""}
                    </Text>
                  </BlockStack>
                  <InlineStack gap="200" blockAlign="center">
                    {run.status !== "DONE" ? (
                      <Badge tone={run.status === "FAILED" ? "critical" : "info"}>{run.status}</Badge>
                    ) : open.length === 0 ? (
                      <Badge tone="success">All accounted for</Badge>
                    ) : (
                      <Badge tone="critical">{`${open.length} need attention`}</Badge>
                    )}
                    <CsvButton runId={run.id} day={run.day} />
                  </InlineStack>
                </InlineStack>
                {run.error && <Banner tone="critical">{`The last computation failed: ${run.error}`}</Banner>}
                <Text as="p">{run.coverage}</Text>
                {mail && (
                  <Text as="p" tone={mail.status === "DEAD" ? "critical" : "subdued"}>
                    {mail.status === "DONE"
                      ? "Emailed to the operations address."
                      : mail.status === "DEAD"
                        ? `The email could not be sent: ${mail.lastError ?? "unknown error"}`
                        : `Email queued${mail.attempts > 1 ? ` (tried ${mail.attempts} times${mail.lastError ? `: ${mail.lastError}` : ""})` : ""}.`}
                  </Text>
                )}
                <InlineStack gap="200" wrap>
                  {run.counts
                    .filter((c) => c.count > 0)
                    .map((c) => (
                      <Badge key={c.kind} tone="attention">{`${c.label}: ${c.count}`}</Badge>
                    ))}
                </InlineStack>
              </BlockStack>
            </Card>
          )}
        </Layout.Section>
        {items.length > 0 && (
          <Layout.Section>
            <BlockStack gap="300">
              {items.map((item) => (
                <ItemCard key={item.id} item={item} />
              ))}
            </BlockStack>
          </Layout.Section>
        )}
        <Layout.Section>
          <Card>
            <Form method="post">
              <input type="hidden" name="intent" value="run" />
              <BlockStack gap="300">
                <Text as="h2" variant="headingMd">
                  Run now
                </Text>
                <InlineStack gap="300" blockAlign="end">
                  <Box minWidth="180px">
                    <TextField
                      label="First day"
                      type="date"
                      name="from"
                      value={from}
                      onChange={setFrom}
                      autoComplete="off"
                    />
                  </Box>
                  <Box minWidth="180px">
                    <TextField label="Last day" type="date" name="to" value={to} onChange={setTo} autoComplete="off" />
                  </Box>
                  <Button submit variant="primary" loading={running}>
                    Reconcile
                  </Button>
                </InlineStack>
                <Text as="p" tone="subdued">
                  Running a window again replaces its report with the same result unless the records changed.
                </Text>
              </BlockStack>
            </Form>
          </Card>
        </Layout.Section>
        <Layout.Section>
          <Card>
            <BlockStack gap="200">
              <Text as="h2" variant="headingMd">
                Last runs
              </Text>
              {runs.length === 0 ? (
                <Text as="p" tone="subdued">
                  None yet.
                </Text>
              ) : (
                <DataTable
                  columnContentTypes={["text", "text", "text", "text", "numeric", "numeric"]}
                  headings={["Window", "Run", "Finished", "Status", "Mismatches", "Need attention"]}
                  rows={runs.map((r) => [
                    <Link key={r.id} to={`/app/reconciliation?run=${r.id}`}>
                      {r.window}
                    </Link>,
                    r.trigger,
                    r.finishedAt,
                    r.status,
                    r.itemCount,
                    r.needsPerson,
                  ])}
                />
              )}
            </BlockStack>
          </Card>
        </Layout.Section>
        <Layout.Section>
          <ScheduleSettings settings={settings} errors={result && !result.ok ? result.errors : null} />
        </Layout.Section>
      </Layout>
    </Page>
  );
}

function ItemCard({ item }: { item: ItemView }) {
  const navigation = useNavigation();
  const [note, setNote] = useState("");
  const busy = navigation.state !== "idle" && navigation.formData?.get("itemId") === item.id;
  return (
    <Card>
      <BlockStack gap="200">
        <InlineStack align="space-between" blockAlign="center">
          <InlineStack gap="200" blockAlign="center">
            <Badge tone={item.severity === "critical" ? "critical" : "warning"}>{item.label}</Badge>
            <Text as="span" variant="headingSm">
              {[item.receipt, item.order, item.amount].filter(Boolean).join(" · ")}
            </Text>
          </InlineStack>
          {item.handled ? <Badge tone="success">Handled</Badge> : null}
        </InlineStack>
        <Text as="p">{item.detail}</Text>
        <Text as="p" tone="subdued">
          {item.resolve}
        </Text>
        {item.handled ? (
          <Text as="p" tone="subdued">
            {`Handled ${item.handled.at} by ${item.handled.actor}: ${item.handled.note}`}
          </Text>
        ) : (
          <Form method="post">
            <input type="hidden" name="intent" value="handled" />
            <input type="hidden" name="itemId" value={item.id} />
            <InlineStack gap="200" blockAlign="end">
              {item.actionUrl && (
                <Button url={item.actionUrl} variant="primary">
                  {item.actionLabel ?? "Open"}
                </Button>
              )}
              <Box minWidth="280px">
                <TextField
                  label="Note"
                  labelHidden
                  placeholder="How it was handled"
                  name="note"
                  value={note}
                  onChange={setNote}
                  autoComplete="off"
                />
              </Box>
              <Button submit loading={busy}>
                Mark handled
              </Button>
            </InlineStack>
          </Form>
        )}
      </BlockStack>
    </Card>
  );
}

/** The CSV through the embedded app's authenticated fetch (App Bridge adds the session token), saved as a file. */
function CsvButton({ runId, day }: { runId: string; day: string }) {
  const [busy, setBusy] = useState(false);
  const download = async () => {
    setBusy(true);
    try {
      const res = await fetch(`/app/reconciliation/csv?run=${encodeURIComponent(runId)}`);
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const blob = await res.blob();
      const a = document.createElement("a");
      a.href = URL.createObjectURL(blob);
      a.download = `reconciliation-${day}.csv`;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Button onClick={download} loading={busy}>
      Download CSV
    </Button>
  );
}
