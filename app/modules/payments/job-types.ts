import { z } from "zod";
import { defineJobType } from "../jobs/job-type";

// The payment flow's job types (typed constants; payloads checked at enqueue and at run). Their
// handlers and the recovery sweep are registered by the composition root, app/worker.server.ts.

export const RECORD_PAYMENT_IN_SHOPIFY = defineJobType(
  "record-payment-in-shopify",
  z.object({ attemptId: z.string().min(1) }),
);
export const RECOVER_PENDING_ATTEMPT = defineJobType(
  "recover-pending-attempt",
  z.object({ attemptId: z.string().min(1) }),
);
/** The receipt of an order recorded paid with receipt "pending" was found: write it onto the order. */
export const ATTACH_RECEIPT_IN_SHOPIFY = defineJobType(
  "attach-receipt-in-shopify",
  z.object({ attemptId: z.string().min(1) }),
);
