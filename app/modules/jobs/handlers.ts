import type { Job } from "@prisma/client";

// Job types and their handlers. A handler throws to be retried with backoff; RetryLaterError names the
// delay (Shopify's Retry-After, "poll again in 15 s") and PermanentJobError skips straight to DEAD.

export interface JobContext {
  job: Job;
  attempt: number; // 1 on the first run
  now: Date;
}
export type JobHandler = (payload: any, ctx: JobContext) => Promise<void>;

export class RetryLaterError extends Error {
  constructor(
    message: string,
    readonly delayMs: number,
  ) {
    super(message);
    this.name = "RetryLaterError";
  }
}

export class PermanentJobError extends Error {
  constructor(message: string) {
    super(message);
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
