// @vitest-environment node
// Pure logic: no DOM needed, which keeps this file fast.
import { describe, expect, test, vi } from "vitest";
import type { ApiResult, AttemptView, PayApi, PayStatus } from "../src/api";
import { createPaymentController, type Scheduler } from "../src/controller";
import { TIMINGS } from "../src/config";
import { attempt, payableStatus } from "./fixtures";

/** A hand-driven clock: timers fire only when the test advances time. */
function manualScheduler() {
  let now = 0;
  let timers: Array<{ at: number; fn: () => void; id: number }> = [];
  let nextId = 1;
  const scheduler: Scheduler = {
    now: () => now,
    setTimeout: (fn, ms) => {
      const id = nextId++;
      timers.push({ at: now + ms, fn, id });
      return id;
    },
    clearTimeout: (id) => {
      timers = timers.filter((timer) => timer.id !== id);
    },
  };
  async function advance(ms: number) {
    now += ms;
    for (const due of timers.filter((timer) => timer.at <= now)) {
      timers = timers.filter((timer) => timer !== due);
      due.fn();
    }
    await new Promise((resolve) => setTimeout(resolve, 0)); // let the API promises settle
  }
  return { scheduler, advance, pending: () => timers.length };
}

function fakeApi(
  statuses: Array<ApiResult<PayStatus>>,
  payAnswer: ApiResult<AttemptView> = { kind: "ok", value: attempt() },
) {
  const api: PayApi = {
    getStatus: vi.fn(async () => statuses.shift() ?? { kind: "unreachable" as const }),
    pay: vi.fn(async () => payAnswer),
  };
  return api;
}

describe("payment controller", () => {
  test("pay, poll every 3 s while pending, stop on success", async () => {
    const clock = manualScheduler();
    const api = fakeApi([
      { kind: "ok", value: payableStatus() },
      { kind: "ok", value: payableStatus({ attempt: attempt() }) },
      { kind: "ok", value: payableStatus({ attempt: attempt({ status: "SUCCEEDED", receipt: "QJK3" }) }) },
    ]);
    const controller = createPaymentController({
      api,
      order: { id: "o1", confirmationNumber: "C1" },
      initialPhone: "0712 345 678",
      timings: TIMINGS,
      scheduler: clock.scheduler,
    });
    const seen: string[] = [];
    controller.subscribe((state) => seen.push(state.view.name));

    controller.start();
    await clock.advance(0);
    expect(controller.state.view.name).toBe("form");

    controller.submit();
    await clock.advance(0);
    expect(api.pay).toHaveBeenCalledWith({ id: "o1", confirmationNumber: "C1" }, "254712345678");
    expect(controller.state.view.name).toBe("waiting");

    await clock.advance(2_999);
    expect(api.getStatus).toHaveBeenCalledTimes(1);
    await clock.advance(1);
    expect(api.getStatus).toHaveBeenCalledTimes(2);
    await clock.advance(3_000);
    expect(controller.state.view).toMatchObject({ name: "done", attempt: { receipt: "QJK3" } });
    expect(clock.pending()).toBe(0);
    expect(seen).toEqual(["loading", "form", "form", "waiting", "waiting", "done"]);
  });

  test("dispose stops polling", async () => {
    const clock = manualScheduler();
    const api = fakeApi([{ kind: "ok", value: payableStatus({ attempt: attempt() }) }]);
    const controller = createPaymentController({
      api,
      order: { id: "o1", confirmationNumber: "C1" },
      timings: TIMINGS,
      scheduler: clock.scheduler,
    });
    controller.start();
    await clock.advance(0);
    expect(controller.state.view.name).toBe("waiting");
    controller.dispose();
    await clock.advance(60_000);
    expect(api.getStatus).toHaveBeenCalledTimes(1);
  });

  test("a late answer after dispose changes nothing", async () => {
    const clock = manualScheduler();
    let releaseStatus!: (result: ApiResult<PayStatus>) => void;
    const api: PayApi = {
      getStatus: vi
        .fn()
        .mockResolvedValueOnce({ kind: "unreachable" })
        .mockImplementationOnce(() => new Promise((resolve) => (releaseStatus = resolve))),
      pay: vi.fn(),
    };
    const controller = createPaymentController({
      api,
      order: { id: "o1", confirmationNumber: "C1" },
      timings: TIMINGS,
      scheduler: clock.scheduler,
    });
    controller.start();
    await clock.advance(0);
    expect(controller.state.view.name).toBe("unreachable");

    controller.retry(); // status request #2 hangs
    await clock.advance(0);
    controller.dispose();
    releaseStatus({ kind: "ok", value: payableStatus() });
    await clock.advance(0);
    expect(controller.state.view.name).toBe("loading");
  });
});
