import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashCallbackToken } from "~/modules/daraja-events/common/callback-token.server";
import { refundCallbackToken } from "~/modules/refunds/callback-token.server";
import { applyRefundEvent, busyRetry, createRefund } from "~/modules/refunds/repository.server";
import { eventually, postCallback, SHOP, startHarness, type Harness } from "../../../../test/support/payments-harness";

// Initiator results and queue time-outs as inbound events (app/modules/daraja-events/initiator-result),
// through the built app's real routes: stored raw in one statement, answered at once, applied by the
// worker through the refund state machine. Quirks from the Daraja reference: string ResultCodes,
// a single-object ResultParameter, results that arrive twice.

const ACCEPTED = { status: 200, body: { ResultCode: 0, ResultDesc: "Accepted" } };
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

let seq = 0;
/** A B2C refund that Daraja acknowledged (state SENT), on a receipt of KES 1500. */
async function sentRefund(method: "B2C" | "REVERSAL" = "B2C") {
  const receipt = `TIR${String(++seq).padStart(7, "0")}`;
  await h.db.mpesaReceipt.create({
    data: { receipt, shopDomain: SHOP, channel: "STK", orderGid: `gid://shopify/Order/${seq}`, amountKes: 1500 },
  });
  const made = await createRefund(h.db, {
    shopDomain: SHOP,
    orderGid: `gid://shopify/Order/${seq}`,
    receipt,
    amountKes: 500,
    method,
    initiatedBy: "WEBHOOK",
    sourceKey: `test:${receipt}`,
  });
  if (!made.created) throw new Error("refund not created");
  const deps = { db: h.db, now: () => new Date() };
  const id = made.refund.id;
  // Applied here, so that no worker sends anything: the row is as the send job leaves it.
  await busyRetry(() => h.db.mpesaRefund.update({ where: { id }, data: { state: "APPROVED" } }));
  await applyRefundEvent(deps, id, { type: "dispatch", at: new Date() });
  await applyRefundEvent(deps, id, {
    type: "sent",
    conversationId: `AG_20261201_${id}`,
    originatorConversationId: made.refund.idempotencyKey,
    at: new Date(),
  });
  return h.db.mpesaRefund.findUniqueOrThrow({ where: { id } });
}

const url = (kind: "result" | "timeout", op: string, refundId: string) =>
  `${h.app.url}/daraja/${kind}/${op}/${refundCallbackToken(refundId)}`;

function b2cResult(
  refund: { idempotencyKey: string; conversationId: string | null },
  code: number | string,
  receipt = "TKB2C00001",
) {
  const ok = String(code) === "0";
  return {
    Result: {
      ResultType: "0",
      ResultCode: code,
      ResultDesc: ok ? "The service request is processed successfully." : "The initiator information is invalid.",
      OriginatorConversationID: refund.idempotencyKey,
      ConversationID: refund.conversationId,
      TransactionID: ok ? receipt : "",
      // A single object, not an array (a documented quirk).
      ...(ok ? { ResultParameters: { ResultParameter: { Key: "TransactionReceipt", Value: receipt } } } : {}),
      ReferenceData: { ReferenceItem: { Key: "QueueTimeoutURL", Value: "https://internalsandbox.safaricom.co.ke" } },
    },
  };
}

const refundState = async (id: string) => (await h.db.mpesaRefund.findUniqueOrThrow({ where: { id } })).state;

describe("initiator results for refunds", () => {
  it("a B2C success with a string ResultCode and one ResultParameter object settles the refund; a second copy changes nothing", async () => {
    const refund = await sentRefund();
    const body = b2cResult(refund, "0", `TKB${refund.id.slice(-7).toUpperCase()}`);
    expect(await postCallback(url("result", "b2c", refund.id), body)).toEqual(ACCEPTED);
    expect(await postCallback(url("result", "b2c", refund.id), body)).toEqual(ACCEPTED);
    const done = await eventually(
      () => h.db.mpesaRefund.findFirst({ where: { id: refund.id, state: "SUCCEEDED" } }),
      "refund succeeded",
    );
    expect(done.mpesaTransactionId).toBe(`TKB${refund.id.slice(-7).toUpperCase()}`);
    const rows = await eventually(async () => {
      const r = await h.db.callbackLog.findMany({ where: { refundId: refund.id } });
      return r.length === 2 && r.every((x) => x.status !== "RECEIVED") ? r : null;
    }, "both rows applied");
    expect(rows.map((r) => r.path)).toEqual(["/daraja/result/b2c/:token", "/daraja/result/b2c/:token"]);
    expect(rows.map((r) => r.error).sort()).toEqual([null, "no change: already SUCCEEDED"].sort());
  });

  it("a queue time-out makes the outcome unknown (a Transaction Status job), and a success after it still settles it", async () => {
    const refund = await sentRefund();
    const timeout = {
      Result: {
        ResultType: 0,
        ResultCode: 1037,
        ResultDesc: "The service request has timed out.",
        OriginatorConversationID: refund.idempotencyKey,
        ConversationID: refund.conversationId,
        TransactionID: "",
      },
    };
    expect(await postCallback(url("timeout", "b2c", refund.id), timeout)).toEqual(ACCEPTED);
    await eventually(async () => (await refundState(refund.id)) === "UNKNOWN", "unknown");
    expect(await h.db.job.count({ where: { type: "settle-refund", payload: { contains: refund.id } } })).toBe(1);
    expect(await postCallback(url("result", "b2c", refund.id), b2cResult(refund, 0, "TKLATE0001"))).toEqual(ACCEPTED);
    await eventually(async () => (await refundState(refund.id)) === "SUCCEEDED", "succeeded after the time-out");
  });

  it("a failure result ends the refund and gives its shillings back to the receipt", async () => {
    const refund = await sentRefund();
    expect(await postCallback(url("result", "b2c", refund.id), b2cResult(refund, 2001))).toEqual(ACCEPTED);
    await eventually(async () => (await refundState(refund.id)) === "FAILED", "failed");
    const receipt = await h.db.mpesaReceipt.findUniqueOrThrow({ where: { receipt: refund.receipt } });
    expect(receipt.refundedKes).toBe(0);
  });

  it("a result naming another OriginatorConversationID is kept and ignored", async () => {
    const refund = await sentRefund();
    const forged = b2cResult({ ...refund, idempotencyKey: "someone-else" }, 0, "TKFORGED01");
    expect(await postCallback(url("result", "b2c", refund.id), forged)).toEqual(ACCEPTED);
    const row = await eventually(
      () => h.db.callbackLog.findFirst({ where: { refundId: refund.id, status: "IGNORED" } }),
      "ignored",
    );
    expect(row.error).toMatch(/another OriginatorConversationID/);
    expect(await refundState(refund.id)).toBe("SENT");
  });

  it("an unknown token and a malformed body are answered like any other; only metadata of the unknown one is kept", async () => {
    const guess = `${h.app.url}/daraja/result/b2c/${"Z".repeat(32)}`;
    const refund = await sentRefund();
    expect(await postCallback(guess, b2cResult(refund, 0))).toEqual(ACCEPTED);
    const unknown = await h.db.callbackLog.findFirstOrThrow({
      where: { tokenHash: hashCallbackToken("Z".repeat(32)) },
    });
    expect(unknown).toMatchObject({ status: "IGNORED", body: "", refundId: null, path: "/daraja/result/b2c/:token" });
    const bad = await postCallback(url("result", "b2c", refund.id), { Result: { ResultDesc: "no code" } });
    const badGuess = await postCallback(guess, { Result: { ResultDesc: "no code" } });
    expect(bad.status).toBe(400);
    expect(badGuess).toEqual(bad);
    expect(await h.db.callbackLog.findFirst({ where: { refundId: refund.id, status: "REJECTED" } })).toBeTruthy();
    expect(await refundState(refund.id)).toBe("SENT");
  });

  it("a Reversal's R000001 (already reversed) means the money is back: the refund succeeds without paying again", async () => {
    const refund = await sentRefund("REVERSAL");
    const body = {
      Result: {
        ResultType: 0,
        ResultCode: "R000001",
        ResultDesc: "The transaction has already been reversed.",
        OriginatorConversationID: "AG_other",
        ConversationID: refund.conversationId,
        TransactionID: "TKREV00001",
      },
    };
    expect(await postCallback(url("result", "reversal", refund.id), body)).toEqual(ACCEPTED);
    await eventually(async () => (await refundState(refund.id)) === "SUCCEEDED", "succeeded");
  });
});
