// What the runner works on. The Job table is one source (queue.server.ts); a stored inbound event is
// another (app/modules/daraja-events/common/inbox-queue.server.ts): the row that recorded the event is
// itself the work item, so acknowledging an event costs one durable write and no job insert.

export interface WorkItem {
  id: string;
  type: string; // a JobType name: the handler to run
  payload: unknown;
  attempts: number; // claims so far, this one included
  maxAttempts: number;
  lockedBy: string | null;
}

export interface ClaimOptions {
  workerId: string;
  limit: number;
  lockMs: number;
  now: Date;
  types: string[];
}

export interface WorkSource {
  name: string;
  /** Wake reasons meant for this source alone (e.g. "notify:Job"); any other reason wakes every source. */
  wakesOn?: string[];
  /** Due items, locked for lockMs. Items claimed maxAttempts times whose lock expired (their worker
   * died mid-run, e.g. the item crashes the process) are dead-lettered here, never claimed again. */
  claim(opts: ClaimOptions): Promise<WorkItem[]>;
  complete(item: WorkItem, now: Date): Promise<void>;
  /** Heartbeat: a still-running item keeps its lock (only while this worker holds it). */
  extendLock(item: WorkItem, until: Date): Promise<void>;
  reschedule(item: WorkItem, runAt: Date, error: string): Promise<void>;
  bury(item: WorkItem, error: string, now: Date): Promise<void>;
}

export const CRASHED_TOO_OFTEN =
  "claimed the maximum number of times without finishing (its worker died each time: crash?)";
