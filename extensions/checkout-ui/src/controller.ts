// Runs the state machine's commands: the only place with timers and network calls. The clock and
// timer functions are injected so tests can drive polling and backoff without waiting.
import type { OrderRef, PayApi } from "./api";
import { type Event, type State, initialState, reduce } from "./state";
import type { Timings } from "./config";

export interface Scheduler {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realScheduler: Scheduler = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface PaymentController {
  readonly state: State;
  subscribe(listener: (state: State) => void): () => void;
  start(): void;
  setPhone(phone: string): void;
  submit(): void;
  retry(): void;
  refresh(): void;
  dispose(): void;
}

export interface ControllerOptions {
  api: PayApi;
  order: OrderRef;
  initialPhone?: string;
  timings: Timings;
  scheduler?: Scheduler;
}

export function createPaymentController(opts: ControllerOptions): PaymentController {
  const clock = opts.scheduler ?? realScheduler;
  const listeners = new Set<(state: State) => void>();
  let state = initialState(opts.initialPhone ?? "");
  let timer: unknown;
  let disposed = false;
  // Only the answer to the latest command may move the machine: a poll that was in flight when the
  // shopper pressed Pay must not overwrite what followed.
  let generation = 0;

  function dispatch(event: Event): void {
    if (disposed) return;
    const { state: next, command } = reduce(state, event, opts.timings);
    if (next !== state) {
      state = next;
      for (const listener of listeners) listener(state);
    }
    if (!command) return;
    const mine = ++generation;
    clock.clearTimeout(timer);
    if (command.type === "fetchStatus") {
      timer = clock.setTimeout(async () => {
        const result = await opts.api.getStatus(opts.order);
        if (mine === generation) dispatch({ type: "statusReceived", result, now: clock.now() });
      }, command.delayMs);
    } else {
      void opts.api.pay(opts.order, command.phone).then((result) => {
        if (mine === generation) dispatch({ type: "payResult", result, now: clock.now() });
      });
    }
  }

  return {
    get state() {
      return state;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    start: () => dispatch({ type: "start" }),
    setPhone: (phone) => dispatch({ type: "phoneChanged", phone }),
    submit: () => dispatch({ type: "submit" }),
    retry: () => dispatch({ type: "retry" }),
    refresh: () => dispatch({ type: "refresh", now: clock.now() }),
    dispose() {
      disposed = true;
      clock.clearTimeout(timer);
      listeners.clear();
    },
  };
}
