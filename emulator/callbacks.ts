// Outbound notifications (STK callbacks, Results, C2B validation/confirmation). Daraja does not retry a
// failed delivery (§10.2), so neither do we: one POST, its outcome recorded.

export type CallbackRecord = {
  id: number;
  kind: string; // e.g. "stk", "b2c:result", "b2c:timeout", "c2b:validation", "c2b:confirmation"
  url: string;
  body: unknown;
  sentAt: string;
  status: number | null; // null when nothing answered (refused, timed out)
  responseBody?: string;
  error?: string;
};

export type Dispatcher = ReturnType<typeof createDispatcher>;

export function createDispatcher(opts: { timeoutMs: number; now: () => number }) {
  const records: CallbackRecord[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const inFlight = new Set<Promise<unknown>>();
  let nextId = 1;
  let idleWaiters: Array<() => void> = [];
  // Kinds whose callbacks are not delivered ("*": all): as when the CallBackURL registered with Daraja
  // points nowhere (a deploy moved the app) — Daraja sends, nobody receives, nothing is retried.
  const stopped = new Set<string>();
  const isStopped = (kind: string) => stopped.has("*") || stopped.has(kind) || stopped.has(kind.split(":")[0]);

  const settleIdle = () => {
    if (timers.size === 0 && inFlight.size === 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      waiters.forEach((w) => w());
    }
  };

  const track = <T>(p: Promise<T>): Promise<T> => {
    inFlight.add(p);
    p.finally(() => {
      inFlight.delete(p);
      settleIdle();
    }).catch(() => {});
    return p;
  };

  /** POSTs once; never throws. `timeoutMs` overrides the default (C2B validation waits ~8 s). */
  async function post(kind: string, url: string, body: unknown, timeoutMs = opts.timeoutMs): Promise<CallbackRecord> {
    const record: CallbackRecord = {
      id: nextId++,
      kind,
      url,
      body,
      sentAt: new Date(opts.now()).toISOString(),
      status: null,
    };
    records.push(record);
    if (records.length > 10_000) records.splice(0, records.length - 10_000); // benchmarks: recent ones only
    if (isStopped(kind)) {
      record.error = "not delivered: callbacks stopped by the control API";
      return record;
    }
    return track(
      (async () => {
        try {
          const res = await fetch(url, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify(body),
            signal: AbortSignal.timeout(timeoutMs),
          });
          record.status = res.status;
          record.responseBody = await res.text();
        } catch (err) {
          record.error = describe(err);
        }
        return record;
      })(),
    );
  }

  /** Runs `fn` after `delayMs`; reset/close cancel what has not fired yet. */
  function later(delayMs: number, fn: () => Promise<unknown> | void) {
    const timer = setTimeout(
      () => {
        timers.delete(timer);
        track(Promise.resolve().then(fn)).catch(() => {});
        settleIdle();
      },
      Math.max(0, delayMs),
    );
    timers.add(timer);
  }

  return {
    post,
    later,
    records: () => records.slice(),
    /** Resolves once nothing is scheduled or being delivered (tests: "all callbacks have fired"). */
    idle: () =>
      new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        settleIdle();
      }),
    pending: () => timers.size + inFlight.size,
    /** Stops (or resumes) delivering callbacks of these kinds ("stk", "c2b", "b2c:result", or "*"). */
    setStopped(kinds: string[], stop: boolean) {
      for (const k of kinds) {
        if (stop) stopped.add(k);
        else stopped.delete(k);
      }
      return [...stopped];
    },
    stoppedKinds: () => [...stopped],
    cancelAll() {
      timers.forEach(clearTimeout);
      timers.clear();
      settleIdle();
    },
    clearRecords() {
      records.length = 0;
    },
  };
}

/** "TypeError: fetch failed (ECONNREFUSED)": the cause is what a person debugging needs. */
function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const detail = cause?.code ?? cause?.message;
  return `${err.name}: ${err.message}${detail ? ` (${detail})` : ""}`;
}
