import { z } from "zod";
import { defineJobType } from "../../jobs/job-type";
import { applyInitiatorEvent, type ApplyInitiatorDeps } from "./apply.server";
import { QUEUE_TIMEOUT_KIND, RESULT_KIND } from "./store.server";

// How the worker applies stored initiator results and queue time-outs: rows of kind RESULT and
// QUEUE_TIMEOUT are claimed as work items of these job types (registered by app/worker.server.ts).

const payload = z.object({ callbackLogId: z.string().min(1) });
export const PROCESS_INITIATOR_RESULT = defineJobType("process-initiator-result", payload);
export const PROCESS_QUEUE_TIMEOUT = defineJobType("process-queue-timeout", payload);

export const initiatorResultWork = {
  kind: RESULT_KIND,
  jobType: PROCESS_INITIATOR_RESULT,
  run: (deps: ApplyInitiatorDeps, p: z.infer<typeof payload>) => applyInitiatorEvent(deps, p.callbackLogId),
};

export const queueTimeoutWork = {
  kind: QUEUE_TIMEOUT_KIND,
  jobType: PROCESS_QUEUE_TIMEOUT,
  run: (deps: ApplyInitiatorDeps, p: z.infer<typeof payload>) => applyInitiatorEvent(deps, p.callbackLogId),
};
