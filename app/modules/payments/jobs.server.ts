import { env } from "../../lib/env.server";
import { registerJobHandler } from "../jobs/handlers";
import type { PeriodicTask } from "../jobs/worker.server";
import { applyStkCallback } from "./callbacks/apply-stk-callback.server";
import { requeueOrphanCallbacks } from "./callbacks/store-stk-callback.server";
import { recordPaymentInShopify } from "./record-in-shopify.server";
import { recoverPendingAttempt, sweepStalePending } from "./recovery.server";
import { paymentsDeps } from "./wiring.server";

// The payment flow's background work, registered with the job worker at start-up.

export function registerPaymentJobs() {
  registerJobHandler("process-stk-callback", async (p: { callbackLogId: string }) => applyStkCallback(await paymentsDeps(), p.callbackLogId));
  registerJobHandler("record-payment-in-shopify", async (p: { attemptId: string }) => recordPaymentInShopify(await paymentsDeps(), p.attemptId));
  registerJobHandler("recover-pending-attempt", async (p: { attemptId: string }, ctx) =>
    recoverPendingAttempt(await paymentsDeps(), p.attemptId, ctx),
  );
}

export function paymentPeriodicTasks(): PeriodicTask[] {
  return [
    {
      name: "recover-stale-pending",
      // As often as an attempt may need its next query, but at least every 30 s.
      everyMs: Math.min(env().PENDING_RECOVERY_INTERVAL_SECONDS, 30) * 1000,
      run: async () => {
        const deps = await paymentsDeps();
        await sweepStalePending(deps);
        await requeueOrphanCallbacks(deps);
      },
    },
  ];
}
