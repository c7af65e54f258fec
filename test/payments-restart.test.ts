import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOrder, eventually, pay, shopifyPayments, startHarness, type Harness } from "./support/payments-harness";

// Durability: the process dies (SIGKILL) after a callback was stored and before it was applied.
// Daraja never re-sends a callback, so the stored row alone must carry the payment through.

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ appEnv: { JOB_WORKER: "false" } });
});
afterAll(async () => {
  await h?.close();
});

describe("crash between storing and applying a callback", () => {
  it("after SIGKILL and a restart with the worker on, the order ends paid, once", async () => {
    const order = createOrder(h.standin);
    const res = await pay(h.app, order.id, "0712 345 620");
    expect(res.status).toBe(200);
    const log = await eventually(
      () => h.db.callbackLog.findFirst({ where: { attemptId: res.body.attempt.id } }),
      "callback stored",
    );
    expect(log.status).toBe("RECEIVED");
    // The stored row is itself the work item (app/modules/daraja-events): no job row to wait for.
    expect(await h.db.job.count({ where: { type: "process-stk-callback" } })).toBe(0);

    await h.app.kill();
    expect((await h.db.paymentAttempt.findUniqueOrThrow({ where: { id: res.body.attempt.id } })).status).toBe(
      "PENDING",
    );
    await h.restart({ JOB_WORKER: "true" });

    const attempt = await eventually(
      () => h.db.paymentAttempt.findFirst({ where: { id: res.body.attempt.id, recordedInShopifyAt: { not: null } } }),
      "payment recorded after restart",
    );
    expect(attempt.status).toBe("SUCCEEDED");
    expect(h.standin.getOrder(order.id)!.displayFinancialStatus).toBe("PAID");
    expect(shopifyPayments(h.standin, order.id)).toEqual({ mutations: 1, sales: 1 });
    expect((await h.db.callbackLog.findUniqueOrThrow({ where: { id: log.id } })).status).toBe("PROCESSED");
  });
});
