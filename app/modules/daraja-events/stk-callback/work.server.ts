import { z } from "zod";
import { defineJobType } from "../../jobs/job-type";
import type { PaymentsDeps } from "../../payments/deps.server";
import { applyStkCallback } from "./apply.server";
import { STK_KIND } from "./store.server";

// How the worker applies a stored STK callback: rows of kind STK are claimed as work items of job
// type `process-stk-callback` (registered by app/worker.server.ts, the composition root).

export const PROCESS_STK_CALLBACK = defineJobType(
  "process-stk-callback",
  z.object({ callbackLogId: z.string().min(1) }),
);

export const stkCallbackWork = {
  kind: STK_KIND,
  jobType: PROCESS_STK_CALLBACK,
  run: (deps: PaymentsDeps, payload: z.infer<typeof PROCESS_STK_CALLBACK.schema>) =>
    applyStkCallback(deps, payload.callbackLogId),
};
