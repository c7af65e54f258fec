// The payment block as a pure state machine: reduce(state, event) -> next state plus at most one
// command (fetch the status after a delay, or start a payment). Effects and timers live in
// controller.ts, so every transition here is testable without a DOM, a network or a clock.
import type { ApiResult, AttemptView, PaybillInstructions, PayStatus } from "./api";
import { normalizeKenyanPhone } from "./phone";
import type { Timings } from "./config";

export type Notice = { kind: "rate_limited"; retryAfterSeconds: number } | { kind: "rejected"; message?: string };

export type View =
  /** First status request in flight: render nothing, most orders are not ours. */
  | { name: "loading" }
  | { name: "hidden" }
  /** The Admin API does not show the new order yet: quiet, with backoff. */
  | { name: "preparing"; since: number; tries: number; gaveUp: boolean }
  | { name: "form"; phoneError?: string; notice?: Notice; submitting: boolean }
  | { name: "waiting"; attempt: AttemptView; since: number; gaveUp: boolean; failures: number }
  /** A terminal attempt: SUCCEEDED, CANCELLED, TIMED_OUT, FAILED or NEEDS_REVIEW. */
  | { name: "done"; attempt: AttemptView }
  | { name: "unreachable" };

export interface State {
  /** What the shopper typed (or the prefill); kept across retries. */
  phone: string;
  /** From the app's answers only; never computed in the browser. */
  amountKes?: number;
  /** How to pay from the M-PESA menu instead (the app's answer; shown beside the Pay button). */
  paybill?: PaybillInstructions;
  /** The shop lets the shopper verify a payment by its M-PESA code (the app's answer). */
  verifyByCode?: boolean;
  view: View;
}

export type Event =
  | { type: "start" }
  | { type: "statusReceived"; result: ApiResult<PayStatus>; now: number }
  | { type: "phoneChanged"; phone: string }
  | { type: "submit" }
  | { type: "payResult"; result: ApiResult<AttemptView>; now: number }
  | { type: "retry" }
  | { type: "refresh"; now: number };

export type Command = { type: "fetchStatus"; delayMs: number } | { type: "pay"; phone: string };

export interface Transition {
  state: State;
  command?: Command;
}

export const INVALID_PHONE_MESSAGE = "Enter a Kenyan M-PESA number, for example 0712 345 678.";

export function initialState(phone = ""): State {
  return { phone, view: { name: "loading" } };
}

export function reduce(state: State, event: Event, timings: Timings): Transition {
  const view = state.view;
  switch (event.type) {
    case "start":
      return { state: { ...state, view: { name: "loading" } }, command: fetchNow };
    case "statusReceived":
      return onStatus(state, event.result, event.now, timings);
    case "phoneChanged":
      if (view.name !== "form" || view.submitting) return { state };
      return { state: { ...state, phone: event.phone, view: { ...view, phoneError: undefined } } };
    case "submit": {
      if (view.name !== "form" || view.submitting) return { state };
      const msisdn = normalizeKenyanPhone(state.phone);
      if (!msisdn)
        return { state: { ...state, view: { name: "form", submitting: false, phoneError: INVALID_PHONE_MESSAGE } } };
      return { state: { ...state, view: { name: "form", submitting: true } }, command: { type: "pay", phone: msisdn } };
    }
    case "payResult":
      return view.name === "form" && view.submitting ? onPayResult(state, event.result, event.now, timings) : { state };
    case "retry":
      if (view.name === "done" && view.attempt.canRetry)
        return { state: { ...state, view: { name: "form", submitting: false } } };
      // After a failure to reach the app, ask for the status first: a payment request may have got through.
      if (view.name === "unreachable") return { state: { ...state, view: { name: "loading" } }, command: fetchNow };
      return { state };
    case "refresh":
      if (view.name === "waiting" && view.gaveUp) {
        return {
          state: { ...state, view: { ...view, since: event.now, gaveUp: false, failures: 0 } },
          command: fetchNow,
        };
      }
      if (view.name === "preparing" && view.gaveUp) {
        return {
          state: { ...state, view: { name: "preparing", since: event.now, tries: 0, gaveUp: false } },
          command: fetchNow,
        };
      }
      return { state };
  }
}

const fetchNow: Command = { type: "fetchStatus", delayMs: 0 };

function onStatus(state: State, result: ApiResult<PayStatus>, now: number, t: Timings): Transition {
  const view = state.view;
  if (result.kind === "ok") return applyStatus(state, result.value, now, t);
  if (result.kind === "rate_limited") {
    // Stay where we are and ask again once the app allows it.
    return {
      state,
      command: { type: "fetchStatus", delayMs: Math.max(result.retryAfterSeconds * 1000, t.pollIntervalMs) },
    };
  }
  if (view.name === "waiting") {
    // The STK Push is already on the phone: ride out a blip or two before alarming the shopper.
    const failures = view.failures + 1;
    if (failures < t.pollFailuresTolerated) {
      return {
        state: { ...state, view: { ...view, failures } },
        command: { type: "fetchStatus", delayMs: t.pollIntervalMs },
      };
    }
    return { state: { ...state, view: { name: "unreachable" } } };
  }
  // A 4xx on the status means the app will not take payment for this order here: stay out of the way.
  if (result.kind === "rejected") return { state: { ...state, view: { name: "hidden" } } };
  return { state: { ...state, view: { name: "unreachable" } } };
}

function applyStatus(state: State, status: PayStatus, now: number, t: Timings): Transition {
  const amountKes = status.order?.amountKes ?? status.attempt?.amountKes ?? state.amountKes;
  const base = { ...state, amountKes, paybill: status.paybill, verifyByCode: status.verifyByCode === true };
  const { attempt } = status;

  if (!status.payable && status.reason === "ORDER_NOT_FOUND_YET" && !attempt) return preparing(base, now, t);
  if (attempt?.status === "PENDING") return waiting(base, attempt, now, t);
  if (attempt && (status.payable || attempt.status === "SUCCEEDED" || attempt.status === "NEEDS_REVIEW")) {
    return { state: { ...base, view: { name: "done", attempt } } };
  }
  if (status.payable) {
    const keep = state.view.name === "form" ? state.view : { name: "form" as const, submitting: false };
    return { state: { ...base, view: keep } };
  }
  return { state: { ...base, view: { name: "hidden" } } };
}

function preparing(state: State, now: number, t: Timings): Transition {
  const previous = state.view.name === "preparing" ? state.view : { since: now, tries: 0 };
  const tries = previous.tries + 1;
  if (now - previous.since >= t.orderNotFoundGiveUpMs) {
    return { state: { ...state, view: { name: "preparing", since: previous.since, tries, gaveUp: true } } };
  }
  const delayMs = Math.min(t.orderNotFoundFirstDelayMs * 2 ** (tries - 1), t.orderNotFoundMaxDelayMs);
  return {
    state: { ...state, view: { name: "preparing", since: previous.since, tries, gaveUp: false } },
    command: { type: "fetchStatus", delayMs },
  };
}

function waiting(state: State, attempt: AttemptView, now: number, t: Timings): Transition {
  const since = state.view.name === "waiting" ? state.view.since : now;
  if (now - since >= t.pollGiveUpMs) {
    return { state: { ...state, view: { name: "waiting", attempt, since, gaveUp: true, failures: 0 } } };
  }
  return {
    state: { ...state, view: { name: "waiting", attempt, since, gaveUp: false, failures: 0 } },
    command: { type: "fetchStatus", delayMs: t.pollIntervalMs },
  };
}

function onPayResult(state: State, result: ApiResult<AttemptView>, now: number, t: Timings): Transition {
  switch (result.kind) {
    case "ok": {
      const base = { ...state, amountKes: result.value.amountKes };
      if (result.value.status === "PENDING") return waiting(base, result.value, now, t);
      return { state: { ...base, view: { name: "done", attempt: result.value } } };
    }
    case "rate_limited":
      return { state: { ...state, view: { name: "form", submitting: false, notice: result } } };
    case "rejected":
      // The app names the field when it disagrees with our phone check: show it on the field.
      if (/PHONE/i.test(result.code)) {
        return {
          state: {
            ...state,
            view: { name: "form", submitting: false, phoneError: result.message ?? INVALID_PHONE_MESSAGE },
          },
        };
      }
      return {
        state: {
          ...state,
          view: { name: "form", submitting: false, notice: { kind: "rejected", message: result.message } },
        },
      };
    case "unreachable":
      return { state: { ...state, view: { name: "unreachable" } } };
  }
}
