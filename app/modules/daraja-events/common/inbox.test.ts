import crypto from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { createPrismaClient } from "../../../lib/prisma.server";
import { hashCallbackToken } from "./callback-token.server";
import { createInbox, dialectOf, type ReceivedEvent } from "./inbox.server";

// The one-write store every inbound Daraja event shares, on the database under test: concurrent
// events are grouped into one INSERT … SELECT, and the raw rows must read back through Prisma exactly
// as rows Prisma wrote (timestamps above all, which the worker compares and sorts).

const url = process.env.DATABASE_URL!;
const dialect = dialectOf(url);
const db = createPrismaClient(url);
afterAll(async () => {
  await db.$disconnect();
});

async function attempt(environment = "sandbox") {
  const token = crypto.randomBytes(24).toString("base64url");
  const a = await db.paymentAttempt.create({
    data: {
      shopDomain: "inbox.myshopify.com",
      orderGid: `gid://shopify/Order/${crypto.randomInt(1e9)}`,
      amountKes: 100,
      environment,
      callbackTokenHash: hashCallbackToken(token),
    },
  });
  return { a, tokenHash: hashCallbackToken(token) };
}

const event = (tokenHash: string, over: Partial<ReceivedEvent> = {}): ReceivedEvent => ({
  kind: "STK",
  path: "/daraja/stk/:token",
  tokenHash,
  sourceIp: "196.201.214.200",
  headers: { "content-type": "application/json" },
  body: '{"Body":{}}',
  sourceAllowed: true,
  ...over,
});

describe(`inbox on ${dialect}`, () => {
  it("stores concurrent events as RECEIVED rows of their attempt, group-committed, each resolved after its commit", async () => {
    const { a, tokenHash } = await attempt();
    const at = new Date("2026-12-02T01:02:03.456Z");
    const inbox = createInbox(db, dialect, () => at);
    let woken = 0;
    inbox.onStored(() => woken++);
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => inbox.storeForAttempt(event(tokenHash, { body: `{"n":${i}}` }))),
    );
    expect(results.every(Boolean)).toBe(true);
    expect(woken).toBe(40);
    const rows = await db.callbackLog.findMany({ where: { attemptId: a.id }, orderBy: { body: "asc" } });
    expect(rows).toHaveLength(40);
    expect(new Set(rows.map((r) => r.body)).size).toBe(40);
    for (const r of rows) {
      expect(r).toMatchObject({ status: "RECEIVED", shopDomain: a.shopDomain, kind: "STK", claims: 0 });
      // Written by raw SQL, read by Prisma: the same instant, comparable with Prisma's own.
      expect(r.receivedAt.toISOString()).toBe(at.toISOString());
      expect(r.runAt.toISOString()).toBe(at.toISOString());
    }
    const due = await db.callbackLog.count({ where: { attemptId: a.id, runAt: { lte: new Date(at.getTime() + 1) } } });
    expect(due).toBe(40);
  });

  it("stores nothing for an unknown token, nor for a production attempt's token from outside the allowlist", async () => {
    const { a, tokenHash } = await attempt("production");
    const inbox = createInbox(db, dialect, () => new Date());
    const [unknown, disallowed, allowed] = await Promise.all([
      inbox.storeForAttempt(event(hashCallbackToken("no-such-token-no-such-token-xx"))),
      inbox.storeForAttempt(event(tokenHash, { sourceAllowed: false })),
      inbox.storeForAttempt(event(tokenHash)),
    ]);
    expect([unknown, disallowed, allowed]).toEqual([false, false, true]);
    expect(await db.callbackLog.count({ where: { attemptId: a.id } })).toBe(1);
  });
});
