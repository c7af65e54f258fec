// Thin rendering of the state machine's views with Polaris web components. No logic beyond
// choosing words: every decision (what to show, whether Retry is offered) is made in state.ts.
import type { AttemptView, PaybillInstructions } from "./api";
import { copy } from "./copy";
import type { State } from "./state";

export interface PaymentActions {
  setPhone(phone: string): void;
  submit(): void;
  retry(): void;
  refresh(): void;
}

export function PaymentView({ state, actions }: { state: State; actions: PaymentActions }) {
  const { view } = state;
  switch (view.name) {
    case "loading":
    case "hidden":
      return null;
    case "preparing":
      return view.gaveUp ? (
        <s-stack gap="base">
          <s-text color="subdued">{copy.preparingSlow}</s-text>
          <s-button variant="secondary" onClick={() => actions.refresh()}>
            {copy.refresh}
          </s-button>
        </s-stack>
      ) : (
        <s-stack direction="inline" gap="small-200" alignItems="center">
          <s-spinner size="small" accessibilityLabel={copy.preparing} />
          <s-text color="subdued">{copy.preparing}</s-text>
        </s-stack>
      );
    case "form":
      return <PayForm state={state} view={view} actions={actions} />;
    case "waiting":
      return (
        <s-banner tone="info" heading={copy.checkPhoneHeading}>
          <s-stack gap="base">
            <s-text>{copy.checkPhone(view.attempt.amountKes, view.attempt.phoneMasked)}</s-text>
            {view.gaveUp ? (
              <s-stack gap="small-200">
                <s-text color="subdued">{copy.stillWaiting}</s-text>
                <s-button variant="secondary" onClick={() => actions.refresh()}>
                  {copy.refresh}
                </s-button>
              </s-stack>
            ) : (
              <s-spinner size="small" accessibilityLabel={copy.checkPhoneHeading} />
            )}
          </s-stack>
        </s-banner>
      );
    case "done":
      return <Outcome attempt={view.attempt} onRetry={() => actions.retry()} />;
    case "unreachable":
      return (
        <s-banner tone="critical" heading={copy.heading}>
          <s-stack gap="base">
            <s-text>{copy.unreachable}</s-text>
            <s-button variant="secondary" onClick={() => actions.retry()}>
              {copy.tryAgain}
            </s-button>
          </s-stack>
        </s-banner>
      );
  }
}

type FormView = Extract<State["view"], { name: "form" }>;

function PayForm({ state, view, actions }: { state: State; view: FormView; actions: PaymentActions }) {
  const notice = view.notice;
  return (
    <s-section heading={copy.heading}>
      <s-stack gap="base">
        {state.paybill?.paidKes !== undefined && state.amountKes !== undefined ? (
          <s-text>{copy.partlyPaid(state.paybill.paidKes, state.amountKes)}</s-text>
        ) : (
          state.amountKes !== undefined && <s-text>{copy.amountDue(state.amountKes)}</s-text>
        )}
        {notice && (
          <s-banner tone={notice.kind === "rate_limited" ? "warning" : "critical"}>
            <s-text>
              {notice.kind === "rate_limited"
                ? copy.rateLimited(notice.retryAfterSeconds)
                : (notice.message ?? copy.rejectedFallback)}
            </s-text>
          </s-banner>
        )}
        <s-phone-field
          label={copy.phoneLabel}
          type="mobile"
          autocomplete="tel"
          value={state.phone}
          error={view.phoneError}
          disabled={view.submitting}
          onInput={(event) => actions.setPhone(fieldValue(event))}
          onChange={(event) => actions.setPhone(fieldValue(event))}
        />
        <s-button variant="primary" loading={view.submitting} onClick={() => actions.submit()}>
          {copy.payButton(state.amountKes)}
        </s-button>
        {state.paybill && <PaybillText paybill={state.paybill} />}
      </s-stack>
    </s-section>
  );
}

function PaybillText({ paybill }: { paybill: PaybillInstructions }) {
  return (
    <s-stack gap="small-200">
      <s-text type="strong">{copy.paybillHeading}</s-text>
      <s-text>
        {paybill.kind === "till"
          ? copy.till(paybill.number, paybill.amountKes)
          : copy.paybill(paybill.number, paybill.accountReference ?? "", paybill.amountKes)}
      </s-text>
    </s-stack>
  );
}

function fieldValue(event: Event): string {
  const field = event.currentTarget as HTMLElementTagNameMap["s-phone-field"] | null;
  return field?.value ?? "";
}

function Outcome({ attempt, onRetry }: { attempt: AttemptView; onRetry: () => void }) {
  const retry = attempt.canRetry ? (
    <s-button variant="primary" onClick={onRetry}>
      {copy.retry}
    </s-button>
  ) : null;
  switch (attempt.status) {
    case "SUCCEEDED":
      return (
        <s-banner tone="success" heading={copy.paidHeading}>
          <s-stack gap="small-200">
            <s-text>{copy.paid(attempt.amountKes)}</s-text>
            {attempt.receipt && <s-text type="strong">{copy.receipt(attempt.receipt)}</s-text>}
          </s-stack>
        </s-banner>
      );
    case "CANCELLED":
    case "TIMED_OUT":
      return (
        <s-banner
          tone="warning"
          heading={attempt.status === "CANCELLED" ? copy.cancelledHeading : copy.timedOutHeading}
        >
          <s-stack gap="base">
            <s-text>{attempt.message || (attempt.status === "CANCELLED" ? copy.cancelled : copy.timedOut)}</s-text>
            {retry}
          </s-stack>
        </s-banner>
      );
    case "FAILED":
      return (
        <s-banner tone="critical" heading={copy.failedHeading}>
          <s-stack gap="base">
            <s-text>{attempt.message || copy.failedFallback}</s-text>
            {retry}
          </s-stack>
        </s-banner>
      );
    case "NEEDS_REVIEW":
      return (
        <s-banner tone="info" heading={copy.needsReviewHeading}>
          <s-text>{copy.needsReview}</s-text>
        </s-banner>
      );
    case "PENDING":
      return null; // shown by the "waiting" view; listed so the switch stays exhaustive
  }
}
