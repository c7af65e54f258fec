import { useEffect, useState } from "react";
import { Badge, BlockStack, Box, Card, InlineStack, Text } from "@shopify/polaris";
import type { SandboxActivity } from "../page.server";

// "Underneath": the Daraja requests the emulator received, the raw callbacks the app stored
// (CallbackLog), and the Shopify Admin mutations the stand-in executed. Refreshes every 1.5 s.

const REFRESH_MS = 1500;

export function useActivity(onOrders?: (orders: SandboxActivity["orders"]) => void) {
  const [data, setData] = useState<SandboxActivity | null>(null);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout>;
    const load = async () => {
      try {
        const res = await fetch("/sandbox/activity", { cache: "no-store" });
        if (res.ok && !stopped) {
          const next = (await res.json()) as SandboxActivity;
          setData(next);
          onOrders?.(next.orders);
        }
      } finally {
        if (!stopped) timer = setTimeout(load, REFRESH_MS);
      }
    };
    void load();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  return data;
}

const time = (iso: string) => new Date(iso).toLocaleTimeString("en-GB", { hour12: false });

function Json({ value }: { value: unknown }) {
  const text = typeof value === "string" ? prettyIfJson(value) : JSON.stringify(value, null, 2);
  return (
    <Box background="bg-surface-secondary" padding="200" borderRadius="200">
      <pre className="sandbox-json">{text}</pre>
    </Box>
  );
}

function prettyIfJson(text: string) {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

function Section({
  title,
  subtitle,
  empty,
  children,
}: {
  title: string;
  subtitle: string;
  empty: boolean;
  children: React.ReactNode;
}) {
  return (
    <Card>
      <BlockStack gap="200">
        <BlockStack gap="050">
          <Text as="h3" variant="headingSm">
            {title}
          </Text>
          <Text as="p" tone="subdued" variant="bodySm">
            {subtitle}
          </Text>
        </BlockStack>
        {empty ? (
          <Text as="p" tone="subdued">
            Nothing yet.
          </Text>
        ) : (
          <div className="sandbox-feed">{children}</div>
        )}
      </BlockStack>
    </Card>
  );
}

export function ActivityPanel({ data }: { data: SandboxActivity | null }) {
  if (!data) return <Text as="p">Loading what happened underneath…</Text>;
  return (
    <BlockStack gap="400">
      <Section
        title="Daraja requests"
        subtitle="What the app sent to Daraja (the emulator's request log)"
        empty={!data.daraja?.length}
      >
        {(data.daraja ?? []).map((r) => (
          <details key={r.id}>
            <summary title="Show the request and the answer">
              <InlineStack gap="200" blockAlign="center">
                <Text as="span" variant="bodySm" tone="subdued">
                  {time(r.at)}
                </Text>
                <Text as="span" fontWeight="semibold">
                  {r.method} {r.path}
                </Text>
                {r.status !== undefined && (
                  <Badge tone={r.status < 300 ? "success" : "critical"}>{String(r.status)}</Badge>
                )}
              </InlineStack>
            </summary>
            <Json value={{ request: r.body, response: r.response }} />
          </details>
        ))}
      </Section>
      <Section
        title="Callbacks stored"
        subtitle="Raw Daraja callbacks as the app stored them (CallbackLog)"
        empty={!data.callbacks.length}
      >
        {data.callbacks.map((c) => (
          <details key={c.id}>
            <summary title="Show the callback as stored">
              <InlineStack gap="200" blockAlign="center">
                <Text as="span" variant="bodySm" tone="subdued">
                  {time(c.receivedAt)}
                </Text>
                <Text as="span" fontWeight="semibold">
                  {c.kind} {resultOf(c.body)}
                </Text>
                <CallbackBadges kind={c.kind} status={c.status} body={c.body} />
              </InlineStack>
            </summary>
            <Json value={c.body} />
          </details>
        ))}
      </Section>
      <Section
        title="Shopify mutations"
        subtitle="Admin API mutations the stand-in executed for the app"
        empty={!data.mutations?.length}
      >
        {(data.mutations ?? []).map((m, i) => (
          <details key={`${m.at}-${i}`}>
            <summary title="Show the mutation's variables">
              <InlineStack gap="200" blockAlign="center">
                {typeof m.at === "string" && (
                  <Text as="span" variant="bodySm" tone="subdued">
                    {time(m.at)}
                  </Text>
                )}
                <Text as="span" fontWeight="semibold">
                  {m.operationName ?? "mutation"}
                </Text>
              </InlineStack>
            </summary>
            <Json value={m.variables} />
          </details>
        ))}
      </Section>
    </BlockStack>
  );
}

/** The ResultCode of a stored STK callback body (as a string), or null. */
function resultCodeOf(body: string): string | null {
  try {
    const cb = JSON.parse(body)?.Body?.stkCallback;
    return cb && cb.ResultCode !== undefined ? String(cb.ResultCode) : null;
  } catch {
    return null;
  }
}

/** "ResultCode 1032" from a stored STK callback body, for the one-line summary. */
function resultOf(body: string) {
  const code = resultCodeOf(body);
  return code === null ? "" : `ResultCode ${code}`;
}

// What the customer's payment did (green only for money received), then what the app did with the
// callback (stored, processed, refused): a processed failure is a failure, not a green badge.
const NOT_ANSWERED = new Set(["1032", "1037", "1019"]);
function CallbackBadges({ kind, status, body }: { kind: string; status: string; body: string }) {
  const code = kind === "STK" ? resultCodeOf(body) : null;
  const handling = status === "REJECTED" || status === "DEAD" ? "critical" : status === "RECEIVED" ? "info" : undefined;
  return (
    <>
      {code !== null &&
        (code === "0" ? (
          <Badge tone="success">paid</Badge>
        ) : (
          <Badge tone={NOT_ANSWERED.has(code) ? "warning" : "critical"}>
            {NOT_ANSWERED.has(code) ? "not paid" : "failed"}
          </Badge>
        ))}
      <Badge tone={handling}>{status.toLowerCase()}</Badge>
    </>
  );
}
