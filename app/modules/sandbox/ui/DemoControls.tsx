import { useState } from "react";
import { Banner, Button, ButtonGroup, InlineStack, Text } from "@shopify/polaris";

// "Add a demo order" and "Reset" (POST /sandbox/demo). The orders list follows by itself: the live
// panel polls the demo shop's orders.

type Result = { tone: "success" | "critical"; text: string } | null;

export function DemoControls() {
  const [busy, setBusy] = useState<"add-order" | "reset" | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [result, setResult] = useState<Result>(null);

  const run = async (what: "add-order" | "reset") => {
    setBusy(what);
    setResult(null);
    setConfirming(false);
    try {
      const res = await fetch("/sandbox/demo", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ do: what }),
      });
      const body = (await res.json().catch(() => ({}))) as { message?: string; error?: string };
      setResult(
        res.ok
          ? { tone: "success", text: body.message ?? "Done." }
          : { tone: "critical", text: body.error ?? `The sandbox answered ${res.status}` },
      );
    } catch (e) {
      setResult({ tone: "critical", text: (e as Error).message });
    } finally {
      setBusy(null);
    }
  };

  return (
    <InlineStack gap="300" blockAlign="center">
      <ButtonGroup>
        <Button onClick={() => run("add-order")} loading={busy === "add-order"} disabled={busy !== null}>
          Add a demo order
        </Button>
        {confirming ? (
          <>
            <Button tone="critical" variant="primary" onClick={() => run("reset")}>
              Reset: forget every demo payment
            </Button>
            <Button onClick={() => setConfirming(false)}>Keep them</Button>
          </>
        ) : (
          <Button onClick={() => setConfirming(true)} loading={busy === "reset"} disabled={busy !== null}>
            Reset the demo
          </Button>
        )}
      </ButtonGroup>
      {confirming && (
        <Text as="span" tone="subdued">
          The emulator, the Shopify stand-in and the demo shop&apos;s payments start over with four unpaid orders.
        </Text>
      )}
      {result && (
        <Banner tone={result.tone} onDismiss={() => setResult(null)}>
          <Text as="p">{result.text}</Text>
        </Banner>
      )}
    </InlineStack>
  );
}
