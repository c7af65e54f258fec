import { useFetcher } from "@remix-run/react";
import { Badge, Banner, BlockStack, Box, Button, Card, Collapsible, InlineStack, Text } from "@shopify/polaris";
import { useState } from "react";
import type { CallbackView } from "../detail.server";

// The payment page's log of what Safaricom sent: each message behind a disclosure (Polaris
// Collapsible), with Replay (apply the stored message again; never pays twice) and, for the payment,
// Re-verify (ask Safaricom for its status now). Posts go through a fetcher so they do not disturb the
// page's other forms (refunds, review).

type Answer = { ok: boolean; message?: string; error?: string; intent: string };

export function CallbackLog({
  callbacks,
  callbackCount,
  canReverify,
}: {
  callbacks: CallbackView[];
  callbackCount: number;
  canReverify: boolean;
}) {
  const fetcher = useFetcher<Answer>();
  const busy = fetcher.state !== "idle";
  const pendingIntent = busy ? String(fetcher.formData?.get("intent") ?? "") : "";
  const answer = fetcher.data;
  return (
    <Card>
      <BlockStack gap="300">
        <InlineStack align="space-between" blockAlign="center">
          <Text as="h2" variant="headingMd">
            Messages from Safaricom
          </Text>
          {canReverify && (
            <fetcher.Form method="post">
              <input type="hidden" name="intent" value="reverify" />
              <Button submit loading={pendingIntent === "reverify"}>
                Ask Safaricom again
              </Button>
            </fetcher.Form>
          )}
        </InlineStack>
        {answer && !busy && (
          <Banner tone={answer.ok ? "info" : "critical"} onDismiss={undefined}>
            <Text as="p">{answer.ok ? answer.message : answer.error}</Text>
          </Banner>
        )}
        {callbacks.length === 0 ? (
          <Text as="p" tone="subdued">
            Safaricom has not sent a message about this payment.
          </Text>
        ) : (
          <>
            {callbackCount > callbacks.length && (
              <Text as="p" tone="subdued">{`Showing the newest ${callbacks.length} of ${callbackCount}.`}</Text>
            )}
            {callbacks.map((c) => (
              <CallbackEntry
                key={c.id}
                callback={c}
                fetcher={fetcher}
                replaying={busy && fetcher.formData?.get("callbackId") === c.id}
              />
            ))}
          </>
        )}
      </BlockStack>
    </Card>
  );
}

function CallbackEntry({
  callback: c,
  fetcher,
  replaying,
}: {
  callback: CallbackView;
  fetcher: ReturnType<typeof useFetcher<Answer>>;
  replaying: boolean;
}) {
  const [open, setOpen] = useState(false);
  const bodyId = `callback-body-${c.id}`;
  return (
    <Box borderColor="border" borderWidth="025" borderRadius="200" padding="300">
      <BlockStack gap="200">
        <InlineStack gap="300" blockAlign="center" wrap>
          <Badge tone={c.statusTone}>{c.statusLabel}</Badge>
          <Text as="span" fontWeight="medium">
            {c.kindLabel}
          </Text>
          <Text as="span">Received {c.receivedAt}</Text>
          {c.sourceIp && <Text as="span" tone="subdued">{`from ${c.sourceIp}`}</Text>}
          {c.processedAt && <Text as="span" tone="subdued">{`processed ${c.processedAt}`}</Text>}
          {c.replayOf && <Badge tone="info">{`Replay of the message of ${c.replayOf}`}</Badge>}
        </InlineStack>
        {c.error && (
          <Text as="p" tone="caution">
            {c.error}
          </Text>
        )}
        <InlineStack gap="200">
          <Button
            variant="plain"
            disclosure={open ? "up" : "down"}
            onClick={() => setOpen((o) => !o)}
            ariaExpanded={open}
            ariaControls={bodyId}
          >
            {open ? "Hide the message" : "Show the message"}
          </Button>
          {c.canReplay && (
            <fetcher.Form method="post">
              <input type="hidden" name="intent" value="replay-callback" />
              <input type="hidden" name="callbackId" value={c.id} />
              <Button submit size="slim" loading={replaying}>
                Replay
              </Button>
            </fetcher.Form>
          )}
        </InlineStack>
        <Collapsible open={open} id={bodyId} transition={{ duration: "150ms", timingFunction: "ease-in-out" }}>
          <Box background="bg-surface-secondary" padding="300" borderRadius="200" overflowX="scroll">
            <pre style={{ margin: 0, fontSize: 12 }}>{c.body}</pre>
          </Box>
        </Collapsible>
      </BlockStack>
    </Box>
  );
}
