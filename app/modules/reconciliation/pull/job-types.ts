import { z } from "zod";
import { defineJobType } from "../../jobs/job-type";

/** One Pull Transactions query of one receiving account over one window (run.server.ts). */
export const PULL_TRANSACTIONS = defineJobType(
  "pull-transactions",
  z.object({
    accountId: z.string().min(1),
    windowStart: z.string().datetime(),
    windowEnd: z.string().datetime(),
    trigger: z.enum(["hourly", "daily", "manual"]),
  }),
);
export type PullJob = z.infer<typeof PULL_TRANSACTIONS.schema>;
