import { z } from "zod";
import { defineJobType } from "../jobs/job-type";

// The refund flow's job types (payloads checked at enqueue and at run); their handlers are
// registered by the composition root, app/worker.server.ts.

const refund = z.object({ refundId: z.string().min(1) });

/** Check the utility balance (B2C), claim the send, call B2C or Reversal with the refund's one key. */
export const SEND_REFUND = defineJobType("send-refund", refund);
/** An unknown outcome (time-out, queue time-out, no result): ask Transaction Status. */
export const SETTLE_REFUND = defineJobType("settle-refund", refund);
/** The app moved the money first: write refundCreate (idempotent on the M-PESA transaction). */
export const RECORD_REFUND_IN_SHOPIFY = defineJobType("record-refund-in-shopify", refund);
/** A refund made in the Shopify admin went out: tag the order with M-PESA's transaction id. */
export const NOTE_REFUND_ON_ORDER = defineJobType("note-refund-on-order", refund);
