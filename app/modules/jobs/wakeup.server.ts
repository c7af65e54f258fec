import pg from "pg";
import { logger } from "../../lib/logger.server";

// PostgreSQL only: the worker is woken as soon as new work is committed by ANY instance, instead of
// waiting out JOB_POLL_MS. The migration `job_notify` (PostgreSQL migrations only) installs triggers
// that NOTIFY `WORK_CHANNEL` after each statement inserting into "Job" or "CallbackLog", with the
// table name as payload; PostgreSQL delivers a notification only once its transaction commits, so a
// woken worker always finds the row. One dedicated connection per process LISTENs (outside the
// Prisma pool: a listening connection cannot be shared). Polling stays as the safety net: a
// notification lost while the connection is down is made up for by a wake on reconnect.

export const WORK_CHANNEL = "app_work";

export interface WakeupListener {
  /** Resolves once the first LISTEN is in place (or failed: the listener then keeps retrying). */
  ready: Promise<void>;
  close: () => Promise<void>;
}

export interface WakeupOptions {
  /** Called with `notify:<table>` per notification, `reconnected` after a reconnect. */
  onWake: (reason: string) => void;
  /** First reconnect delay, doubled up to maxDelayMs. */
  retryMs?: number;
  maxDelayMs?: number;
}

export function listenForWork(databaseUrl: string, opts: WakeupOptions): WakeupListener {
  let closed = false;
  let client: pg.Client | undefined;
  let delay = opts.retryMs ?? 500;
  let timer: NodeJS.Timeout | undefined;
  let connectedOnce = false;
  let resolveReady!: () => void;
  const ready = new Promise<void>((r) => (resolveReady = r));

  const connect = async () => {
    timer = undefined;
    if (closed) return;
    const c = new pg.Client({ connectionString: databaseUrl, application_name: "mpesa-checkout-wakeup" });
    client = c;
    let failed = false;
    const fail = (err: unknown) => {
      if (failed) return;
      failed = true;
      c.removeAllListeners("notification");
      void c.end().catch(() => {});
      if (client === c) client = undefined;
      if (closed) return;
      logger.warn({ err: String(err), retryInMs: delay }, "job wakeup: LISTEN connection lost; polling meanwhile");
      timer = setTimeout(() => void connect(), delay);
      timer.unref();
      delay = Math.min(delay * 2, opts.maxDelayMs ?? 30_000);
    };
    c.on("error", fail);
    c.on("end", () => fail(new Error("connection ended")));
    c.on("notification", (n) => {
      if (n.channel === WORK_CHANNEL) opts.onWake(`notify:${n.payload ?? ""}`);
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${WORK_CHANNEL}`);
      if (closed) {
        await c.end().catch(() => {});
        return;
      }
      delay = opts.retryMs ?? 500;
      // Anything committed while we were not listening was not announced to us: look once.
      if (connectedOnce) opts.onWake("reconnected");
      connectedOnce = true;
    } catch (err) {
      fail(err);
    } finally {
      resolveReady();
    }
  };
  void connect();

  return {
    ready,
    close: async () => {
      closed = true;
      if (timer) clearTimeout(timer);
      const c = client;
      client = undefined;
      if (c) {
        c.removeAllListeners();
        c.on("error", () => {});
        await c.end().catch(() => {});
      }
    },
  };
}
