// The block's one component: loads the view from the app, renders it, runs the two actions. The app
// decides everything (what may be prompted, for how much, what is refundable); the block only shows
// its words and sends the merchant's choices.
import { useEffect, useState } from "preact/hooks";
import type { AdminOrderView, AdminPayment } from "@mpesa-checkout/pay-contract";
import type { AdminOrderApi, Result } from "./api";
import { copy } from "./copy";

type Load = { kind: "loading" } | { kind: "unreachable" } | { kind: "ready"; view: AdminOrderView };
type Notice = { tone: "success" | "critical"; text: string } | null;

export function OrderBlockView({ orderId, api }: { orderId: string; api: AdminOrderApi }) {
  const [load, setLoad] = useState<Load>({ kind: "loading" });
  const [notice, setNotice] = useState<Notice>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [phone, setPhone] = useState("");
  const [amounts, setAmounts] = useState<Record<string, string>>({});

  async function reload() {
    setLoad({ kind: "loading" });
    const result = await api.view(orderId);
    setLoad(result.kind === "ok" ? { kind: "ready", view: result.value } : { kind: "unreachable" });
    if (result.kind === "error") setNotice({ tone: "critical", text: result.message });
  }

  useEffect(() => {
    void reload();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- load once per rendered order
  }, [orderId]);

  async function run(key: string, action: Parameters<AdminOrderApi["act"]>[1]) {
    setBusy(key);
    setNotice(null);
    const result: Result<{ message: string; view: AdminOrderView }> = await api.act(orderId, action);
    setBusy(null);
    if (result.kind === "ok") {
      setNotice({ tone: "success", text: result.value.message });
      setLoad({ kind: "ready", view: result.value.view });
    } else {
      setNotice({ tone: "critical", text: result.kind === "error" ? result.message : copy.unreachable });
    }
  }

  function refund(payment: AdminPayment) {
    const refunds = payment.refunds!;
    const raw = (amounts[payment.attemptId!] ?? String(refunds.refundableKes)).trim();
    if (!/^\d+$/.test(raw) || Number(raw) < 1) return setNotice({ tone: "critical", text: copy.wholeShillings });
    if (Number(raw) > refunds.refundableKes)
      return setNotice({ tone: "critical", text: copy.atMost(refunds.refundableKes) });
    void run(`refund:${payment.attemptId}`, {
      intent: "refund",
      attemptId: payment.attemptId!,
      amountKes: Number(raw),
      nonce: refunds.nonce,
    });
  }

  return (
    <s-admin-block heading={copy.heading}>
      <s-stack gap="base">
        {notice && (
          <s-banner tone={notice.tone}>
            <s-text>{notice.text}</s-text>
          </s-banner>
        )}
        {load.kind === "loading" && <s-spinner accessibilityLabel={copy.loading} />}
        {load.kind === "unreachable" && (
          <s-stack gap="small">
            <s-text>{copy.unreachable}</s-text>
            <s-button onClick={() => void reload()}>{copy.reload}</s-button>
          </s-stack>
        )}
        {load.kind === "ready" && (
          <Ready
            view={load.view}
            busy={busy}
            phone={phone}
            onPhone={setPhone}
            onPrompt={() => void run("prompt", { intent: "prompt", ...(phone.trim() ? { phone: phone.trim() } : {}) })}
            amounts={amounts}
            onAmount={(id, value) => setAmounts({ ...amounts, [id]: value })}
            onRefund={refund}
            onReload={() => void reload()}
          />
        )}
      </s-stack>
    </s-admin-block>
  );
}

interface ReadyProps {
  view: AdminOrderView;
  busy: string | null;
  phone: string;
  onPhone: (value: string) => void;
  onPrompt: () => void;
  amounts: Record<string, string>;
  onAmount: (attemptId: string, value: string) => void;
  onRefund: (payment: AdminPayment) => void;
  onReload: () => void;
}

function Ready({ view, busy, phone, onPhone, onPrompt, amounts, onAmount, onRefund, onReload }: ReadyProps) {
  if (!view.order) return <s-text>{copy.noOrder}</s-text>;
  if (!view.mpesa && view.payments.length === 0) return <s-text color="subdued">{copy.notMpesa}</s-text>;
  return (
    <s-stack gap="base">
      {view.payments.length === 0 && <s-text color="subdued">{copy.noPayments}</s-text>}
      {view.payments.map((payment) => (
        <Payment
          key={payment.attemptId ?? payment.receipt ?? payment.at}
          payment={payment}
          busy={busy === `refund:${payment.attemptId}`}
          amount={payment.attemptId ? amounts[payment.attemptId] : undefined}
          onAmount={(value) => payment.attemptId && onAmount(payment.attemptId, value)}
          onRefund={() => onRefund(payment)}
        />
      ))}
      {view.payments.some((p) => p.status === "PENDING") && (
        <s-button variant="secondary" onClick={onReload}>
          {copy.refresh}
        </s-button>
      )}
      {view.prompt.allowed ? (
        <s-stack gap="small">
          <s-divider />
          <s-text>{copy.outstanding(view.prompt.amountKes)}</s-text>
          <s-text-field
            label={copy.phoneLabel}
            value={phone}
            details={copy.phoneDetails(view.prompt.phoneMasked)}
            onInput={(event) => onPhone(fieldValue(event))}
            onChange={(event) => onPhone(fieldValue(event))}
          />
          <s-button variant="primary" loading={busy === "prompt"} onClick={onPrompt}>
            {copy.sendPrompt(view.prompt.amountKes)}
          </s-button>
        </s-stack>
      ) : (
        view.mpesa && <s-text color="subdued">{view.prompt.reason}</s-text>
      )}
    </s-stack>
  );
}

interface PaymentProps {
  payment: AdminPayment;
  busy: boolean;
  amount: string | undefined;
  onAmount: (value: string) => void;
  onRefund: () => void;
}

function Payment({ payment, busy, amount, onAmount, onRefund }: PaymentProps) {
  const tone =
    payment.status === "SUCCEEDED" || payment.status === "RECEIVED"
      ? "success"
      : payment.status === "NEEDS_REVIEW"
        ? "critical"
        : payment.status === "PENDING"
          ? "info"
          : "neutral";
  const refunds = payment.refunds;
  return (
    <s-stack gap="small">
      <s-stack direction="inline" gap="small" alignItems="center">
        <s-text type="strong">{copy.amount(payment.amountKes)}</s-text>
        <s-badge tone={tone}>{payment.statusLabel}</s-badge>
        <s-text color="subdued">{copy.channel(payment.channel)}</s-text>
      </s-stack>
      {payment.receipt && <s-text>{copy.receipt(payment.receipt)}</s-text>}
      {payment.phoneMasked && <s-text color="subdued">{payment.phoneMasked}</s-text>}
      {payment.review && (
        <s-banner tone="critical" heading={payment.review.summary}>
          <s-text>{payment.review.action}</s-text>
        </s-banner>
      )}
      {refunds?.items.map((item) => (
        <s-text key={item.id}>{copy.refundLine(item.amountKes, item.stateLabel)}</s-text>
      ))}
      {refunds && refunds.refundableKes > 0 && payment.attemptId && (
        <s-stack gap="small">
          <s-text color="subdued">{copy.refundable(refunds.refundableKes)}</s-text>
          <s-number-field
            label={copy.refundLabel}
            value={amount ?? String(refunds.refundableKes)}
            min={1}
            max={refunds.refundableKes}
            step={1}
            onInput={(event) => onAmount(fieldValue(event))}
            onChange={(event) => onAmount(fieldValue(event))}
          />
          <s-button loading={busy} onClick={onRefund}>
            {copy.refundButton}
          </s-button>
        </s-stack>
      )}
      <s-divider />
    </s-stack>
  );
}

function fieldValue(event: Event): string {
  const field = event.currentTarget as { value?: string } | null;
  return field?.value ?? "";
}
