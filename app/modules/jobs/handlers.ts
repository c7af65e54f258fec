import { AppError } from "../../lib/errors";
import { checkPayload, InvalidJobPayloadError, type JobType } from "./job-type";
import type { WorkItem } from "./work-source";

// Handlers by job type, registered by the composition root (app/worker.server.ts). What happens after
// a handler throws is decided by the thrown error's kind alone (app/lib/errors.ts, rule in
// app/lib/retry.ts): `final` -> DEAD at once; anything else is retried with backoff, or after exactly
// `retryAfterMs` when the error names one. Daraja and Shopify errors carry their own kind; the two
// below are for a handler's own decisions.

export interface JobContext {
  /** The claimed item: a Job row, or a stored inbound event (daraja-events). */
  job: WorkItem;
  attempt: number; // 1 on the first run
  now: Date;
}
export type JobHandler<P> = (payload: P, ctx: JobContext) => Promise<void>;

/** "Not yet": run again after exactly `delayMs` (a poll interval, a wait for another write). */
export class RetryLaterError extends AppError {
  constructor(
    message: string,
    readonly delayMs: number,
  ) {
    super(message, { kind: "retryable", retryAfterMs: delayMs });
    this.name = "RetryLaterError";
  }
}

/** Running again cannot help: DEAD at once. */
export class PermanentJobError extends AppError {
  constructor(message: string) {
    super(message, { kind: "final" });
    this.name = "PermanentJobError";
  }
}

type RawHandler = (payload: unknown, ctx: JobContext) => Promise<void>;
const handlers = new Map<string, RawHandler>();

export function registerJobHandler<P>(type: JobType<P>, handler: JobHandler<P>) {
  handlers.set(type.name, async (payload, ctx) => {
    let checked: P;
    try {
      checked = checkPayload(type, payload);
    } catch (error) {
      // A payload that does not match its schema will not match on the next run either.
      if (error instanceof InvalidJobPayloadError) throw new PermanentJobError(error.message);
      throw error;
    }
    await handler(checked, ctx);
  });
}

export function jobHandler(type: string): RawHandler | undefined {
  return handlers.get(type);
}

export function registeredJobTypes(): string[] {
  return [...handlers.keys()];
}
