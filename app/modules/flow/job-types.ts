import { z } from "zod";
import { defineJobType } from "../jobs/job-type";
import { FLOW_TRIGGER_HANDLES, type FlowTriggerHandle } from "./triggers";

// `fire-flow-trigger`: one flowTriggerReceive call, enqueued in the transaction of the state change
// it reports (a payment recorded paid, an attempt sent to review). Registered in app/worker.server.ts.

export const FIRE_FLOW_TRIGGER = defineJobType(
  "fire-flow-trigger",
  z.object({
    shop: z.string().min(1),
    handle: z.enum(FLOW_TRIGGER_HANDLES as [FlowTriggerHandle, ...FlowTriggerHandle[]]),
    payload: z.record(z.string(), z.union([z.string(), z.number()])),
  }),
);
