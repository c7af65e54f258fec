import { describe, expect, it } from "vitest";
import prisma from "../../../db.server";
import { callbackAllowlist } from "../common/callback-source.server";
import { newCallbackToken } from "../common/callback-token.server";
import type { EventsDeps } from "../common/deps.server";
import { createInbox, dialectOf, SHORTCODE_MISMATCH } from "../common/inbox.server";
import { createUnknownTokenGate } from "../common/unknown-token.server";
import { c2bConfirmationHttp } from "./answers";
import { applyC2bConfirmation } from "./apply.server";
import { receiveC2bConfirmation } from "./store.server";

// The C2B confirmation event's store and apply steps on this file's own database (the route itself is
// exercised end to end in test/c2b.confirmation.test.ts): the one-statement store keyed by the
// account's URL token, the shortcode check, the production source rule, and the apply step's
// idempotence on its row.

let n = 0;
async function account(opts: { environment?: string; kind?: string; tillNumber?: string } = {}) {
  const i = ++n;
  const shop = `c2b-unit-${i}.myshopify.com`;
  const { token, hash } = newCallbackToken();
  const row = await prisma.mpesaAccount.create({
    data: {
      shopDomain: shop,
      kind: opts.kind ?? "paybill",
      environment: opts.environment ?? "sandbox",
      businessShortCode: `60${String(1000 + i)}`,
      tillNumber: opts.tillNumber ?? null,
      consumerKey: "k",
      consumerSecretEnc: "sealed",
      passkeyEnc: "sealed",
      c2bTokenHash: hash,
    },
  });
  return { token, row, shop };
}

const deps = (): EventsDeps => ({
  db: prisma,
  now: () => new Date(),
  inbox: createInbox(prisma, dialectOf(process.env.DATABASE_URL!)),
  keepUnknown: createUnknownTokenGate(prisma, { perSource: 50, windowSeconds: 60, sourceCheck: false }),
  config: { maxBytes: 64 * 1024, allowlist: callbackAllowlist("196.201.214.200") },
});

const body = (shortCode: string, over: Record<string, unknown> = {}) =>
  JSON.stringify({
    TransactionType: "Pay Bill",
    TransID: `TU${Date.now().toString(36).toUpperCase().slice(-4)}${++n}`,
    TransTime: "20261201120000",
    TransAmount: "10.00",
    BusinessShortCode: shortCode,
    BillRefNumber: "NOORDER",
    MSISDN: "2547 ***** 678",
    ...over,
  });
const receive = (token: string, text: string, sourceIp = "127.0.0.1") =>
  receiveC2bConfirmation(deps(), { token, body: text, tooLarge: false, size: text.length, headers: {}, sourceIp });

describe("C2B confirmation: store step", () => {
  it("stores a well-formed confirmation as RECEIVED work, joined to its account and shop", async () => {
    const a = await account();
    const text = body(a.row.businessShortCode);
    expect(await receive(a.token, text)).toEqual({ kind: "accepted" });
    const row = await prisma.callbackLog.findFirstOrThrow({ where: { body: text } });
    expect(row).toMatchObject({
      kind: "C2B_CONFIRMATION",
      status: "RECEIVED",
      accountId: a.row.id,
      shopDomain: a.shop,
    });
  });

  it("accepts the till number as the account's shortcode", async () => {
    const a = await account({ kind: "till", tillNumber: "5123456" });
    expect(await receive(a.token, body("5123456"))).toEqual({ kind: "accepted" });
  });

  it("keeps a confirmation naming another shortcode REJECTED, and says so", async () => {
    const a = await account();
    const text = body("999999");
    expect(await receive(a.token, text)).toEqual({ kind: "wrong_shortcode" });
    expect(await prisma.callbackLog.findFirstOrThrow({ where: { body: text } })).toMatchObject({
      status: "REJECTED",
      error: SHORTCODE_MISMATCH,
      accountId: a.row.id,
    });
  });

  it("a production account's token from outside the allowlist stores metadata only", async () => {
    const a = await account({ environment: "production" });
    const text = body(a.row.businessShortCode);
    expect(await receive(a.token, text, "203.0.113.9")).toEqual({ kind: "accepted" });
    expect(await prisma.callbackLog.count({ where: { body: text } })).toBe(0);
    expect(await receive(a.token, body(a.row.businessShortCode), "196.201.214.200")).toEqual({ kind: "accepted" });
  });

  it("maps every answer to Daraja's shape", () => {
    expect(c2bConfirmationHttp({ kind: "accepted" })).toEqual({
      status: 200,
      body: { ResultCode: 0, ResultDesc: "Success" },
    });
    expect(c2bConfirmationHttp({ kind: "too_large" }).status).toBe(413);
    expect(c2bConfirmationHttp({ kind: "malformed", problem: "x" })).toEqual({
      status: 400,
      body: { ResultCode: 1, ResultDesc: "x" },
    });
  });
});

describe("C2B confirmation: apply step", () => {
  it("enters the payment once: a second run over the same row changes nothing", async () => {
    const a = await account();
    const text = body(a.row.businessShortCode, { TransAmount: "12.50" });
    await receive(a.token, text);
    const row = await prisma.callbackLog.findFirstOrThrow({ where: { body: text } });
    const d = { db: prisma, now: () => new Date() };
    await applyC2bConfirmation(d, row.id);
    await applyC2bConfirmation(d, row.id);
    const receipt = JSON.parse(text).TransID;
    expect(await prisma.c2bPayment.findMany({ where: { receipt } })).toEqual([
      expect.objectContaining({
        status: "UNMATCHED",
        reason: "AMOUNT_NOT_WHOLE",
        amountText: "12.50",
        amountKes: null,
      }),
    ]);
    // Not whole shillings: no ledger row to apply; the confirmation is closed on its row.
    expect(await prisma.mpesaReceipt.count({ where: { receipt } })).toBe(0);
    expect(await prisma.callbackLog.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({
      status: "PROCESSED",
      lockedBy: null,
    });
  });
});
