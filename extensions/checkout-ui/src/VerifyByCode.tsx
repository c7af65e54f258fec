// Order-status block: "Paid from the M-PESA menu already? Enter your M-PESA code" — offered only when
// the shop allows it (the status answer's `verifyByCode`; PaymentBlock renders this then). The app checks the code with
// Safaricom and applies it; this only sends the code and shows the app's words until the outcome.
import { useEffect, useState } from "preact/hooks";
import type { ShopperVerification } from "@mpesa-checkout/pay-contract";
import { createPayApi, type OrderRef } from "./api";
import { APP_URL } from "./config";
import { copy } from "./copy";

const POLL_MS = 3_000;
const MAX_POLLS = 60;
const settling = (v?: ShopperVerification) => v?.state === "verifying" || v?.state === "verified";

export function VerifyByCode(props: { order: OrderRef; getSessionToken: () => Promise<string> }) {
  const [api] = useState(() => createPayApi({ appUrl: APP_URL, getSessionToken: props.getSessionToken }));
  const [enabled, setEnabled] = useState(true); // rendered because the app offered it
  const [code, setCode] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [verification, setVerification] = useState<ShopperVerification | undefined>();

  const pollId = settling(verification) ? verification?.id : undefined;
  useEffect(() => {
    if (!pollId) return;
    let polls = 0;
    const timer = setInterval(() => {
      if (++polls > MAX_POLLS) return clearInterval(timer);
      void api.getVerify(props.order, pollId).then((r) => {
        if (r.kind !== "ok") return;
        setEnabled(r.value.enabled);
        if (r.value.verification) setVerification(r.value.verification);
      });
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [api, props.order, pollId]);

  if (!enabled && !verification) return null;

  async function submit() {
    setBusy(true);
    setError(undefined);
    const r = await api.verify(props.order, code);
    setBusy(false);
    if (r.kind === "ok") setVerification(r.value.verification);
    else if (r.kind === "rejected") setError(r.message ?? copy.verifyRejected);
    else if (r.kind === "rate_limited") setError(copy.rateLimited(r.retryAfterSeconds));
    else setError(copy.unreachable);
  }

  const v = verification;
  const tone = v?.state === "applied" ? "success" : v?.state === "rejected" ? "critical" : "info";
  return (
    <s-section heading={copy.verifyHeading}>
      <s-stack gap="base">
        {v && (
          <s-banner tone={tone}>
            <s-text>{v.message}</s-text>
          </s-banner>
        )}
        {enabled && !settling(v) && v?.state !== "applied" && (
          <s-stack gap="base">
            <s-text-field
              label={copy.verifyLabel}
              value={code}
              error={error}
              disabled={busy}
              onInput={(event) => setCode(fieldValue(event))}
              onChange={(event) => setCode(fieldValue(event))}
            />
            <s-button variant="secondary" loading={busy} onClick={() => void submit()}>
              {copy.verifyButton}
            </s-button>
          </s-stack>
        )}
      </s-stack>
    </s-section>
  );
}

function fieldValue(event: Event): string {
  const field = event.currentTarget as HTMLElementTagNameMap["s-text-field"] | null;
  return field?.value ?? "";
}
