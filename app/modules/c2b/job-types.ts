import { z } from "zod";
import { defineJobType } from "../jobs/job-type";

// The paybill/till flow's job types; handlers are registered by app/worker.server.ts.

/** Write one matched C2B payment onto its Shopify order (exact, partial or over-payment). */
export const RECORD_C2B_PAYMENT = defineJobType("record-c2b-payment", z.object({ paymentId: z.string().min(1) }));

/** Fill the paybill matching keys of MpesaOrder rows stored before they existed (backfill-keys.server.ts). */
export const BACKFILL_ORDER_MATCH_KEYS = defineJobType(
  "backfill-order-match-keys",
  z.object({ batchSize: z.number().int().min(1).max(5000).default(500) }),
);
