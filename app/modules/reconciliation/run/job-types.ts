import { z } from "zod";
import { defineJobType } from "../../jobs/job-type";

// The reconciliation run's jobs (registered in app/worker.server.ts).

/** Compute the report of one shop's window (scheduled daily, or asked for from the report page). */
export const RUN_RECONCILIATION = defineJobType(
  "run-reconciliation",
  z.object({
    shop: z.string().min(1),
    from: z.iso.datetime(),
    to: z.iso.datetime(),
    trigger: z.enum(["SCHEDULED", "ON_DEMAND"]),
  }),
);

/** Mail one report: "alert" when it holds something for a person, "summary" for the daily summary. */
export const SEND_RECONCILIATION_EMAIL = defineJobType(
  "send-reconciliation-email",
  z.object({ runId: z.string().min(1), mail: z.enum(["alert", "summary"]), fingerprint: z.string().min(1) }),
);
