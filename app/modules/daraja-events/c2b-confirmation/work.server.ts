import { z } from "zod";
import { defineJobType } from "../../jobs/job-type";
import type { PaymentsDeps } from "../../payments/deps.server";
import { applyC2bConfirmation } from "./apply.server";
import { C2B_CONFIRMATION_KIND } from "./store.server";

// How the worker applies a stored C2B confirmation (registered by app/worker.server.ts).

export const PROCESS_C2B_CONFIRMATION = defineJobType(
  "process-c2b-confirmation",
  z.object({ callbackLogId: z.string().min(1) }),
);

export const c2bConfirmationWork = {
  kind: C2B_CONFIRMATION_KIND,
  jobType: PROCESS_C2B_CONFIRMATION,
  run: (deps: PaymentsDeps, payload: z.infer<typeof PROCESS_C2B_CONFIRMATION.schema>) =>
    applyC2bConfirmation(deps, payload.callbackLogId),
};
