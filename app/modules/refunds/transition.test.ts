import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  MAX_SENDS,
  transition,
  type RefundEffect,
  type RefundEvent,
  type RefundFacts,
  type RefundMethod,
  type RefundOrigin,
  type RefundState,
} from "./transition";

// Property tests of the refund state machine against a model of M-PESA and of the network between:
// requests get lost before or after M-PESA saw them, sit in M-PESA's queue, time out there; results
// and Transaction Status answers arrive late, twice, in any order; the merchant double-clicks,
// cancels and marks done at any moment. Whatever happens: the customer is paid back at most once,
// Shopify is written at most once, the receipt's reservation is held exactly while money may go
// out, and once everything has been delivered, money that went out is known to have gone out.

const AT = new Date("2026-12-01T10:00:00Z");

interface Request {
  n: number;
  conversationId: string;
  processed: boolean;
  outcome?: "success" | "failure" | "queue-timeout" | "already-reversed";
}

interface World {
  r: RefundFacts;
  method: RefundMethod;
  // M-PESA
  keyReached: boolean; // B2C: a request with the refund's OriginatorConversationID reached Daraja
  reversed: boolean; // Reversal: the receipt is reversed
  paidOut: number; // times money went to the customer
  requests: Request[]; // requests M-PESA accepted, in its queue until processed
  requestsMade: number;
  // the network towards the app
  inbox: RefundEvent[];
  // the app's queued work
  sendJobs: number;
  queryJobs: number;
  recordJobs: number;
  // what the app did
  reserved: number;
  recordEffects: number;
  noteEffects: number;
  recorded: number;
}

function apply(w: World, e: RefundEvent) {
  const t = transition(w.r, e);
  if (!t.applied) return t;
  const before = w.r.state;
  w.r = {
    ...w.r,
    state: t.state,
    sendCount: t.patch.sendCount ?? w.r.sendCount,
    conversationId: t.patch.conversationId ?? w.r.conversationId,
    queueTimedOut: w.r.queueTimedOut || !!t.patch.queueTimedOutAt,
  };
  for (const effect of t.effects) runEffect(w, effect, before);
  invariants(w);
  return t;
}

function runEffect(w: World, effect: RefundEffect, before: RefundState) {
  switch (effect) {
    case "send":
      w.sendJobs++;
      break;
    case "query-status":
      w.queryJobs++;
      break;
    case "record-in-shopify":
      w.recordEffects++;
      w.recordJobs++;
      break;
    case "note-on-order":
      w.noteEffects++;
      break;
    case "release":
      expect(w.reserved, `release while not reserved (from ${before})`).toBe(1);
      w.reserved = 0;
      break;
    case "reserve-again":
      expect(w.reserved, `reserve-again while reserved (from ${before})`).toBe(0);
      w.reserved = 1;
      break;
  }
}

function invariants(w: World) {
  expect(w.paidOut).toBeLessThanOrEqual(1);
  expect(w.recordEffects).toBeLessThanOrEqual(1);
  expect(w.noteEffects).toBeLessThanOrEqual(1);
  expect(w.recorded).toBeLessThanOrEqual(1);
  if (w.r.state === "MANUAL") expect(w.requestsMade, "marked paid by hand after a request left").toBe(0);
  expect(w.r.sendCount).toBeLessThanOrEqual(MAX_SENDS);
  // Released shillings may go to another refund: no request of this one may still pay.
  if (w.reserved === 0) expect(w.requests.filter((q) => !q.processed || q.outcome === "success")).toEqual([]);
}

/** The send job: claim, then one request whose acknowledgement may be lost. */
function runSend(w: World, fate: number) {
  w.sendJobs--;
  const claim = apply(w, { type: "dispatch", at: AT });
  if (!claim.applied) return;
  const kind = fate % 6; // 0 never left, 1 lost on the way, 2 refused, 3 answer lost, else answered
  if (kind === 0) {
    apply(w, { type: "not-sent", reason: "connection refused" }); // never left
    w.sendJobs++; // the job retries itself
    return;
  }
  w.requestsMade++;
  const ackLost = kind === 3;
  if (kind === 1) {
    // Left, never reached Daraja, and we cannot tell: an unknown outcome.
    apply(w, { type: "ack-timeout" });
    return;
  }
  if (kind === 2) {
    // Daraja refused this request in its answer (an earlier one may still be queued).
    apply(w, { type: "ack-rejected", code: "400.002.02", desc: "Bad Request - Invalid Remarks" });
    return;
  }
  const conversationId = `AG_${w.requestsMade}`;
  if (w.method === "B2C" && w.keyReached) {
    apply(w, ackLost ? { type: "ack-timeout" } : { type: "ack-duplicate" });
    return;
  }
  if (w.method === "B2C") w.keyReached = true;
  w.requests.push({ n: w.requestsMade, conversationId, processed: false });
  apply(
    w,
    ackLost ? { type: "ack-timeout" } : { type: "sent", conversationId, originatorConversationId: "key-1", at: AT },
  );
}

/** M-PESA works through one queued request. */
function process(w: World, which: number, fate: number) {
  const queued = w.requests.filter((q) => !q.processed);
  if (!queued.length) return;
  const q = queued[which % queued.length];
  q.processed = true;
  if (w.method === "REVERSAL" && w.reversed) q.outcome = "already-reversed";
  else q.outcome = (["success", "failure", "queue-timeout"] as const)[fate % 3];
  if (q.outcome === "success") {
    w.paidOut++;
    if (w.method === "REVERSAL") w.reversed = true;
  }
  const event: RefundEvent =
    q.outcome === "success"
      ? { type: "result-success", transactionId: `TX${q.n}`, at: AT }
      : q.outcome === "failure"
        ? { type: "result-failure", code: "2001", desc: "bad initiator", conversationId: q.conversationId, at: AT }
        : q.outcome === "already-reversed"
          ? { type: "already-reversed", desc: "already reversed", at: AT }
          : { type: "queue-timeout", at: AT };
  w.inbox.push(event);
  if (fate % 4 === 0) w.inbox.push(event); // the result arrives twice
}

/** The settle job: Transaction Status (B2C by our key; Reversal by its ConversationID, if known). */
function runQuery(w: World) {
  w.queryJobs--;
  if (w.r.state !== "UNKNOWN") return; // the job looks at the row first
  let paidBy: Request | undefined;
  if (w.method === "B2C") paidBy = w.requests.find((q) => q.outcome === "success");
  else if (w.r.conversationId)
    paidBy = w.requests.find((q) => q.conversationId === w.r.conversationId && q.outcome === "success");
  w.inbox.push(
    paidBy
      ? { type: "status-found", transactionId: `TX${paidBy.n}`, at: AT }
      : { type: "status-not-found", desc: "2032 The transaction receipt number does not exist." },
  );
}

function runRecord(w: World) {
  w.recordJobs--;
  const t = apply(w, { type: "shopify-recorded", refundGid: "gid://shopify/Refund/1", at: AT });
  if (t.applied) w.recorded++;
}

function deliver(w: World, which: number, keepCopy: boolean) {
  if (!w.inbox.length) return;
  const i = which % w.inbox.length;
  const [event] = keepCopy ? [w.inbox[i]] : w.inbox.splice(i, 1);
  apply(w, event);
}

/** One thing happening, chosen by weight (action is 0..99): the network and the workers mostly. */
function step(w: World, action: number, a: number, b: number) {
  if (action < 6) return apply(w, { type: "approve", by: "merchant", at: AT });
  if (action < 26) return w.sendJobs > 0 && runSend(w, a);
  if (action < 40) return process(w, a, b);
  if (action < 66) return deliver(w, a, b % 3 === 0);
  if (action < 80) return w.queryJobs > 0 && runQuery(w);
  if (action < 86) return w.recordJobs > 0 && runRecord(w);
  if (action < 89)
    return apply(w, a % 2 ? { type: "cancel", by: "merchant" } : { type: "manual-done", by: "merchant", at: AT });
  if (action < 93) return apply(w, { type: "balance-short", availableKes: 5, neededKes: 500 });
  return apply(w, { type: "result-overdue" });
}

/** Everything still in flight is delivered and every queued job runs (no more losses or faults). */
function drain(w: World) {
  for (let guard = 0; guard < 500; guard++) {
    if (w.requests.some((q) => !q.processed)) process(w, 0, 0 + guard);
    else if (w.inbox.length) deliver(w, 0, false);
    else if (w.recordJobs > 0) runRecord(w);
    else if (w.queryJobs > 0) runQuery(w);
    else if (w.r.state === "SENT") apply(w, { type: "result-overdue" });
    else if (w.sendJobs > 0)
      runSend(w, 4); // this time the request reaches M-PESA and is acknowledged
    else if (w.r.state === "UNKNOWN" && w.r.sendCount < MAX_SENDS)
      w.queryJobs++; // the overdue sweep
    else return;
  }
  throw new Error("did not settle");
}

const scenario = fc.record({
  method: fc.constantFrom<RefundMethod>("B2C", "REVERSAL"),
  origin: fc.constantFrom<RefundOrigin>("WEBHOOK", "ADMIN_ACTION", "REVIEW"),
  steps: fc.array(fc.tuple(fc.nat({ max: 99 }), fc.nat({ max: 1000 }), fc.nat({ max: 1000 })), {
    minLength: 20,
    maxLength: 150,
  }),
});

function newWorld(method: RefundMethod, origin: RefundOrigin): World {
  return {
    r: {
      state: "PENDING_APPROVAL",
      method,
      initiatedBy: origin,
      sendCount: 0,
      conversationId: null,
      queueTimedOut: false,
    },
    method,
    keyReached: false,
    reversed: false,
    paidOut: 0,
    requests: [],
    requestsMade: 0,
    inbox: [],
    sendJobs: 0,
    queryJobs: 0,
    recordJobs: 0,
    reserved: 1,
    recordEffects: 0,
    noteEffects: 0,
    recorded: 0,
  };
}

describe("refund transition (property: exactly once under duplicates, delays, reordering, time-outs)", () => {
  it("never pays back twice, records at most once, and ends knowing where the money is", () => {
    fc.assert(
      fc.property(scenario, ({ method, origin, steps }) => {
        const w = newWorld(method, origin);
        apply(w, { type: "approve", by: "merchant", at: AT });
        for (const [action, a, b] of steps) step(w, action, a, b);
        drain(w);
        invariants(w);
        const moneyOut = w.paidOut === 1 || (method === "REVERSAL" && w.reversed);
        if (moneyOut) {
          expect(["SUCCEEDED", "RECORDED_IN_SHOPIFY"]).toContain(w.r.state);
          expect(w.reserved).toBe(1);
          if (origin === "ADMIN_ACTION") expect(w.r.state).toBe("RECORDED_IN_SHOPIFY");
          else expect(w.recordEffects).toBe(0); // Shopify already has the refund it sent us
          // A refund made in the Shopify admin gets M-PESA's transaction id on its order, once.
          expect(w.noteEffects).toBe(origin === "WEBHOOK" ? 1 : 0);
        } else {
          expect(["SUCCEEDED", "RECORDED_IN_SHOPIFY"]).not.toContain(w.r.state);
          expect(w.recorded).toBe(0);
          expect(w.noteEffects).toBe(0);
        }
        // The reservation is held exactly while money may still go (or went) out.
        expect(w.reserved).toBe(w.r.state === "FAILED" || w.r.state === "CANCELLED" ? 0 : 1);
      }),
      { numRuns: 3000 },
    );
  });

  it("sends again only after M-PESA said it never heard of the request, or it never left", () => {
    fc.assert(
      fc.property(scenario, ({ method, origin, steps }) => {
        const w = newWorld(method, origin);
        apply(w, { type: "approve", by: "merchant", at: AT });
        // Why the refund was last allowed to go back to APPROVED after having been sent.
        let evidence: "status-not-found" | "not-sent" | null = null;
        for (const [action, a, b] of steps) {
          const before = { ...w.r };
          step(w, action, a, b);
          if (before.state === "UNKNOWN" && w.r.state === "APPROVED") evidence = "status-not-found";
          if (w.r.sendCount > before.sendCount && before.sendCount > 0) {
            expect(evidence, "a second request without M-PESA saying it had none").toBe("status-not-found");
            evidence = null;
          }
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("a duplicate or late event after the end changes nothing", () => {
    const ends: RefundFacts[] = (["SUCCEEDED", "RECORDED_IN_SHOPIFY", "FAILED", "MANUAL", "CANCELLED"] as const).map(
      (state) => ({
        state,
        method: "B2C",
        initiatedBy: "ADMIN_ACTION",
        sendCount: 1,
        conversationId: "AG_1",
        queueTimedOut: false,
      }),
    );
    const late: RefundEvent[] = [
      { type: "approve", by: "m", at: AT },
      { type: "dispatch", at: AT },
      { type: "ack-timeout" },
      { type: "queue-timeout", at: AT },
      { type: "result-failure", code: "1", desc: "x", conversationId: "AG_1", at: AT },
      { type: "status-not-found", desc: "2032" },
      { type: "result-overdue" },
    ];
    for (const r of ends) for (const e of late) expect(transition(r, e).applied, `${r.state} + ${e.type}`).toBe(false);
  });

  it("a success after a final failure is money that went out: taken against the receipt again", () => {
    const failed: RefundFacts = {
      state: "FAILED",
      method: "REVERSAL",
      initiatedBy: "WEBHOOK",
      sendCount: 2,
      conversationId: "AG_2",
      queueTimedOut: false,
    };
    const t = transition(failed, { type: "result-success", transactionId: "TX1", at: AT });
    expect(t).toMatchObject({ applied: true, state: "SUCCEEDED", effects: ["reserve-again", "note-on-order"] });
  });

  it("a manual refund cannot be approved for sending; a sent one cannot be marked done by hand", () => {
    const manual: RefundFacts = {
      state: "PENDING_APPROVAL",
      method: "MANUAL",
      initiatedBy: "WEBHOOK",
      sendCount: 0,
      conversationId: null,
      queueTimedOut: false,
    };
    expect(transition(manual, { type: "approve", by: "m", at: AT }).applied).toBe(false);
    expect(transition(manual, { type: "manual-done", by: "m", at: AT })).toMatchObject({ state: "MANUAL" });
    const sentBefore = { ...manual, method: "B2C" as const, sendCount: 1 };
    expect(transition(sentBefore, { type: "manual-done", by: "m", at: AT }).applied).toBe(false);
    expect(transition(sentBefore, { type: "cancel", by: "m" }).applied).toBe(false);
  });
});
