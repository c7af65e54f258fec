// @vitest-environment node
// Pure logic: no DOM needed, which keeps this file fast.
import { describe, expect, test } from "vitest";
import type { ApiResult, AttemptView, PayStatus } from "../src/api";
import { type Event, INVALID_PHONE_MESSAGE, type State, type View, initialState, reduce } from "../src/state";
import type { Timings } from "../src/config";
import { attempt, payableStatus } from "./fixtures";

const t: Timings = {
  pollIntervalMs: 3_000,
  pollGiveUpMs: 180_000,
  orderNotFoundFirstDelayMs: 1_000,
  orderNotFoundMaxDelayMs: 8_000,
  orderNotFoundGiveUpMs: 120_000,
  pollFailuresTolerated: 3,
};

const ok = <T>(value: T): ApiResult<T> => ({ kind: "ok", value });
const status = (value: PayStatus, now = 0): Event => ({ type: "statusReceived", result: ok(value), now });
const payResult = (result: ApiResult<AttemptView>, now = 0): Event => ({ type: "payResult", result, now });

function run(events: Event[], from: State = initialState()) {
  let state = from;
  let command;
  for (const event of events) ({ state, command } = reduce(state, event, t));
  return { state, command };
}

const at = (view: View, phone = "0712345678", amountKes?: number): State => ({ phone, amountKes, view });
const form: View = { name: "form", submitting: false };

describe("loading the status", () => {
  test("start fetches the status at once", () => {
    expect(run([{ type: "start" }]).command).toEqual({ type: "fetchStatus", delayMs: 0 });
  });

  test.each([
    "NOT_MPESA",
    "ALREADY_PAID",
    "CANCELLED",
    "NOT_KES",
    "SHOP_NOT_CONFIGURED",
    "NOTHING_OUTSTANDING",
    "NO_CONFIRMATION_NUMBER",
  ] as const)("not payable (%s) and no attempt: hidden, no further requests", (reason) => {
    const { state, command } = run([status({ payable: false, reason })]);
    expect(state.view).toEqual({ name: "hidden" });
    expect(command).toBeUndefined();
  });

  test("payable without an attempt: the form, with the app's amount", () => {
    const { state } = run([status(payableStatus())]);
    expect(state.view).toEqual(form);
    expect(state.amountKes).toBe(1500);
  });

  test("a failed attempt on an order no longer payable is not shown", () => {
    expect(
      run([status({ payable: false, reason: "CANCELLED", attempt: attempt({ status: "FAILED" }) })]).state.view,
    ).toEqual({ name: "hidden" });
  });

  test.each(["SUCCEEDED", "NEEDS_REVIEW"] as const)(
    "our %s attempt is shown even when the order is no longer payable",
    (s) => {
      const { state } = run([status({ payable: false, reason: "ALREADY_PAID", attempt: attempt({ status: s }) })]);
      expect(state.view).toEqual({ name: "done", attempt: attempt({ status: s }) });
    },
  );

  test("a 4xx on the status hides the block; a failure to reach the app says so", () => {
    expect(
      run([{ type: "statusReceived", result: { kind: "rejected", status: 401, code: "HTTP_401" }, now: 0 }]).state.view,
    ).toEqual({ name: "hidden" });
    expect(run([{ type: "statusReceived", result: { kind: "unreachable" }, now: 0 }]).state.view).toEqual({
      name: "unreachable",
    });
  });

  test("429 on the status: ask again after Retry-After, staying quiet", () => {
    const { state, command } = run([
      { type: "statusReceived", result: { kind: "rate_limited", retryAfterSeconds: 20 }, now: 0 },
    ]);
    expect(state.view).toEqual({ name: "loading" });
    expect(command).toEqual({ type: "fetchStatus", delayMs: 20_000 });
  });
});

describe("order not found yet", () => {
  const notYet: PayStatus = { payable: false, reason: "ORDER_NOT_FOUND_YET" };

  test("backs off 1 s, 2 s, 4 s, 8 s, 8 s", () => {
    let state = initialState();
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      const next = reduce(state, status(notYet, i * 1000), t);
      state = next.state;
      delays.push(next.command?.type === "fetchStatus" ? next.command.delayMs : -1);
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 8000]);
    expect(state.view).toMatchObject({ name: "preparing", gaveUp: false });
  });

  test("gives up quietly after the limit, and Refresh starts over", () => {
    const { state, command } = run([status(notYet, 0), status(notYet, 120_000)]);
    expect(state.view).toMatchObject({ name: "preparing", gaveUp: true });
    expect(command).toBeUndefined();

    const refreshed = reduce(state, { type: "refresh", now: 130_000 }, t);
    expect(refreshed.state.view).toEqual({ name: "preparing", since: 130_000, tries: 0, gaveUp: false });
    expect(refreshed.command).toEqual({ type: "fetchStatus", delayMs: 0 });
  });

  test("the order appears: the form", () => {
    expect(run([status(notYet), status(payableStatus(), 1000)]).state.view).toEqual(form);
  });
});

describe("the form", () => {
  test("an invalid phone is refused without a request", () => {
    const { state, command } = run([{ type: "phoneChanged", phone: "0812 345 678" }, { type: "submit" }], at(form));
    expect(state.view).toEqual({ name: "form", submitting: false, phoneError: INVALID_PHONE_MESSAGE });
    expect(command).toBeUndefined();
  });

  test("editing the phone clears its error", () => {
    const { state } = run(
      [{ type: "phoneChanged", phone: "07" }],
      at({ name: "form", submitting: false, phoneError: "x" }),
    );
    expect(state).toMatchObject({ phone: "07", view: { name: "form", phoneError: undefined } });
  });

  test("a valid phone is sent normalised, once", () => {
    const first = run([{ type: "phoneChanged", phone: "+254 712-345-678" }, { type: "submit" }], at(form));
    expect(first.command).toEqual({ type: "pay", phone: "254712345678" });
    expect(first.state.view).toEqual({ name: "form", submitting: true });
    expect(reduce(first.state, { type: "submit" }, t).command).toBeUndefined(); // a double click does not pay twice
  });
});

describe("after Pay", () => {
  const submitting = at({ name: "form", submitting: true });

  test("a pending attempt: waiting, polling every 3 s, amount from the app", () => {
    const { state, command } = run([payResult(ok(attempt({ amountKes: 990 })), 5_000)], submitting);
    expect(state.view).toEqual({
      name: "waiting",
      attempt: attempt({ amountKes: 990 }),
      since: 5_000,
      gaveUp: false,
      failures: 0,
    });
    expect(state.amountKes).toBe(990);
    expect(command).toEqual({ type: "fetchStatus", delayMs: 3_000 });
  });

  test("429: back to the form with the wait", () => {
    const { state, command } = run([payResult({ kind: "rate_limited", retryAfterSeconds: 42 })], submitting);
    expect(state.view).toEqual({
      name: "form",
      submitting: false,
      notice: { kind: "rate_limited", retryAfterSeconds: 42 },
    });
    expect(command).toBeUndefined();
  });

  test("a phone the app refuses is shown on the field; other refusals as a notice", () => {
    const phone = run(
      [payResult({ kind: "rejected", status: 422, code: "INVALID_PHONE", message: "Not M-PESA" })],
      submitting,
    );
    expect(phone.state.view).toEqual({ name: "form", submitting: false, phoneError: "Not M-PESA" });
    const other = run(
      [payResult({ kind: "rejected", status: 409, code: "ORDER_NOT_PAYABLE", message: "Paid already" })],
      submitting,
    );
    expect(other.state.view).toEqual({
      name: "form",
      submitting: false,
      notice: { kind: "rejected", message: "Paid already" },
    });
  });

  test("the app unreachable: say so; Try again checks the status before anything else", () => {
    const { state } = run([payResult({ kind: "unreachable" })], submitting);
    expect(state.view).toEqual({ name: "unreachable" });
    expect(reduce(state, { type: "retry" }, t)).toEqual({
      state: { ...state, view: { name: "loading" } },
      command: { type: "fetchStatus", delayMs: 0 },
    });
  });

  test("a late pay answer after the block moved on is ignored", () => {
    const state = at({ name: "unreachable" });
    expect(reduce(state, payResult(ok(attempt())), t).state).toBe(state);
  });
});

describe("waiting for the phone", () => {
  const pending = attempt();
  const waitingSince0 = at({ name: "waiting", attempt: pending, since: 0, gaveUp: false, failures: 0 });

  test.each([
    ["SUCCEEDED", { receipt: "QJK3" }],
    ["CANCELLED", { resultCode: "1032", canRetry: true }],
    ["TIMED_OUT", { resultCode: "1037", canRetry: true }],
    ["FAILED", { resultCode: "1", message: "Insufficient funds", canRetry: false }],
    ["NEEDS_REVIEW", {}],
  ] as const)("a %s attempt stops polling", (s, extra) => {
    const final = attempt({ status: s, ...extra });
    const { state, command } = run([status(payableStatus({ attempt: final }), 6_000)], waitingSince0);
    expect(state.view).toEqual({ name: "done", attempt: final });
    expect(command).toBeUndefined();
  });

  test("still pending: keep polling, then stop after the limit with a manual refresh", () => {
    const stillPending = status(payableStatus({ attempt: pending }), 60_000);
    expect(run([stillPending], waitingSince0).command).toEqual({ type: "fetchStatus", delayMs: 3_000 });

    const late = run([status(payableStatus({ attempt: pending }), 180_000)], waitingSince0);
    expect(late.state.view).toMatchObject({ name: "waiting", gaveUp: true });
    expect(late.command).toBeUndefined();

    const refreshed = reduce(late.state, { type: "refresh", now: 200_000 }, t);
    expect(refreshed.state.view).toMatchObject({ name: "waiting", gaveUp: false, since: 200_000 });
    expect(refreshed.command).toEqual({ type: "fetchStatus", delayMs: 0 });
  });

  test("rides out two failed polls, reports the third", () => {
    const failed: Event = { type: "statusReceived", result: { kind: "unreachable" }, now: 3_000 };
    const two = run([failed, failed], waitingSince0);
    expect(two.state.view).toMatchObject({ name: "waiting", failures: 2 });
    expect(two.command).toEqual({ type: "fetchStatus", delayMs: 3_000 });
    expect(run([failed, failed, failed], waitingSince0).state.view).toEqual({ name: "unreachable" });
  });

  test("a good poll resets the failure count", () => {
    const failed: Event = { type: "statusReceived", result: { kind: "unreachable" }, now: 3_000 };
    const { state } = run([failed, failed, status(payableStatus({ attempt: pending }), 9_000), failed], waitingSince0);
    expect(state.view).toMatchObject({ name: "waiting", failures: 1 });
  });
});

describe("retry", () => {
  test("only when the app allows it, back to the form with the same phone", () => {
    const retryable = at({ name: "done", attempt: attempt({ status: "CANCELLED", canRetry: true }) }, "0712 345 678");
    expect(reduce(retryable, { type: "retry" }, t).state).toEqual({ ...retryable, view: form });

    const final = at({ name: "done", attempt: attempt({ status: "FAILED", canRetry: false }) });
    expect(reduce(final, { type: "retry" }, t).state).toBe(final);
  });
});
