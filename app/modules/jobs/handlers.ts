import type { Job } from "@prisma/client";
import { AppError } from "../../lib/errors";

// Job types and their handlers. What happens after a handler throws is decided by the thrown error's
// kind alone (app/lib/errors.ts, rule in app/lib/retry.ts): `final` -> DEAD at once; anything else is
// retried with backoff, or after exactly `retryAfterMs` when the error names one. Daraja and Shopify
// errors carry their own kind; the two below are for a handler's own decisions.

export interface JobContext {
  job: Job;
  attempt: number; // 1 on the first run
  now: Date;
}
export type JobHandler = (payload: any, ctx: JobContext) => Promise<void>;

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

const handlers = new Map<string, JobHandler>();

export function registerJobHandler(type: string, handler: JobHandler) {
  handlers.set(type, handler);
}

export function jobHandler(type: string): JobHandler | undefined {
  return handlers.get(type);
}

export function registeredJobTypes(): string[] {
  return [...handlers.keys()];
}
