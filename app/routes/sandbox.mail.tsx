import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { useLoaderData, useRevalidator } from "@remix-run/react";
import { useEffect } from "react";
import { AppProvider, Badge, Banner, BlockStack, Box, Card, InlineStack, Page, Text } from "@shopify/polaris";
import en from "@shopify/polaris/locales/en.json";
import polarisStyles from "@shopify/polaris/build/esm/styles.css?url";
import { env } from "../lib/env.server";
import { formatEat } from "../modules/payments/dashboard/format";
import { sandboxConfig } from "../modules/sandbox/config.server";
import { notFoundUnlessSandbox } from "../modules/sandbox/page.server";

// GET /sandbox/mail — sandbox mode only (404 otherwise): the mail the app sent (reconciliation alerts
// and summaries), as the sandbox's local SMTP server received it. Refreshes every 3 s.

export const links = () => [{ rel: "stylesheet", href: polarisStyles }];
export const meta: MetaFunction = () => [{ title: "M-PESA Checkout · sandbox mail" }];

type Mail = {
  id: number;
  receivedAt: string;
  envelopeTo: string[];
  from: string;
  subject: string;
  text: string;
  attachments: { filename: string; contentType: string }[];
};

export const loader = async (_args: LoaderFunctionArgs) => {
  notFoundUnlessSandbox(sandboxConfig());
  const base = env().SANDBOX_MAILBOX_URL;
  if (!base)
    return json({ messages: [] as Mail[], problem: "No local mailbox: start the sandbox with npm run sandbox." });
  try {
    const res = await fetch(`${base}/messages`, { signal: AbortSignal.timeout(3000) });
    const body = (await res.json()) as { messages: (Mail & { attachments: { content?: string }[] })[] };
    // The page needs no attachment bodies (the CSV is in the report page too).
    const messages = body.messages.map((m) => ({
      ...m,
      receivedAt: `${formatEat(new Date(m.receivedAt), { seconds: true })} EAT`,
      attachments: m.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType })),
    }));
    return json({ messages, problem: null as string | null }, { headers: { "Cache-Control": "no-store" } });
  } catch (error) {
    return json({ messages: [] as Mail[], problem: `The local mailbox did not answer: ${String(error)}` });
  }
};

export default function SandboxMailPage() {
  const { messages, problem } = useLoaderData<typeof loader>();
  const revalidator = useRevalidator();
  useEffect(() => {
    const t = setInterval(() => revalidator.state === "idle" && revalidator.revalidate(), 3000);
    return () => clearInterval(t);
  }, [revalidator]);
  return (
    <AppProvider i18n={en}>
      <Page title="Mail the app sent" subtitle="Received by the sandbox's local SMTP server · newest first">
        <BlockStack gap="400">
          {problem && <Banner tone="warning">{problem}</Banner>}
          {messages.length === 0 && !problem && (
            <Text as="p" tone="subdued">
              No mail yet. A reconciliation that finds something for a person sends one to the operations address.
            </Text>
          )}
          {messages.map((m) => (
            <Card key={m.id}>
              <BlockStack gap="200">
                <InlineStack align="space-between" blockAlign="center">
                  <Text as="h2" variant="headingMd">
                    {m.subject}
                  </Text>
                  <Text as="span" tone="subdued">
                    {m.receivedAt}
                  </Text>
                </InlineStack>
                <Text as="p" tone="subdued">
                  {`From ${m.from} to ${m.envelopeTo.join(", ")}`}
                </Text>
                <Box padding="200" background="bg-surface-secondary" borderRadius="200">
                  <pre style={{ whiteSpace: "pre-wrap", margin: 0, fontSize: 13 }}>{m.text}</pre>
                </Box>
                <InlineStack gap="200">
                  {m.attachments.map((a) => (
                    <Badge key={a.filename}>{`${a.filename} (${a.contentType})`}</Badge>
                  ))}
                </InlineStack>
              </BlockStack>
            </Card>
          ))}
        </BlockStack>
      </Page>
    </AppProvider>
  );
}
