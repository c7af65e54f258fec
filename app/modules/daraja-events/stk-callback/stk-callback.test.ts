import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashCallbackToken } from "~/modules/daraja-events/common/callback-token.server";
import {
  createOrder,
  eventually,
  lastCallbackUrl,
  pay,
  postCallback,
  seedShop,
  startHarness,
  stkCallbackBody,
  type Harness,
} from "../../../../test/support/payments-harness";

// The STK callback as an inbound event (app/modules/daraja-events/stk-callback), through the built
// app's real route: what is kept for callbacks we cannot attribute (issue 9 M3), what the answer
// reveals (L7), and what happens to a stored callback that cannot be applied (L2).

const PROD_SHOP = "mpesa-events-prod.myshopify.com";
const QUERY = "/mpesa/stkpushquery/v1/query";
const ACCEPTED = { status: 200, body: { ResultCode: 0, ResultDesc: "Accepted" } };
let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    appEnv: {
      TRUSTED_PROXIES: "loopback",
      CALLBACK_IP_ALLOWLIST: "127.0.0.1",
      CALLBACK_UNKNOWN_PER_SOURCE: "3",
      CALLBACK_MAX_ATTEMPTS: "3",
    },
  });
  await seedShop(h.db, h.standin, PROD_SHOP, { environment: "production" });
});
afterAll(async () => {
  await h?.close();
});

const guess = (c: string) => `${h.app.url}/daraja/stk/${c.repeat(32)}`;
const from = (ip: string) => ({ "X-Forwarded-For": ip });
const unknownRows = (sourceIp: string) => h.db.callbackLog.count({ where: { attemptId: null, sourceIp } });

async function silentAttempt(phone: string, shop?: string) {
  const order = createOrder(h.standin, shop ? { shop } : {});
  h.emulator.setNextOutcome({ api: "stk", outcome: "no_callback" } as any);
  const res = await pay(h.app, order.id, phone, { shop });
  expect(res.status).toBe(200);
  const attempt = await h.db.paymentAttempt.findUniqueOrThrow({ where: { id: res.body.attempt.id } });
  return { order, attempt, url: lastCallbackUrl(h.emulator) };
}

describe("L7: the answer reveals nothing about the token or the source", () => {
  it("L7: unknown token, a production attempt's token from a disallowed source and a valid callback get the same answer", async () => {
    const prod = await silentAttempt("0712 345 801", PROD_SHOP);
    const sandbox = await silentAttempt("0712 345 802");
    const body = (id: string) => stkCallbackBody(id, { resultCode: 1032 });
    const unknown = await postCallback(guess("B"), body("ws_CO_guess"), from("203.0.113.7"));
    const disallowed = await postCallback(prod.url, body(prod.attempt.checkoutRequestId!), from("203.0.113.7"));
    const valid = await postCallback(sandbox.url, body(sandbox.attempt.checkoutRequestId!));
    expect(unknown).toEqual(ACCEPTED);
    expect(disallowed).toEqual(ACCEPTED);
    expect(valid).toEqual(ACCEPTED);
    // Our side still tells them apart: the disallowed one is kept REJECTED, the production attempt unchanged.
    expect(await h.db.callbackLog.findFirstOrThrow({ where: { attemptId: prod.attempt.id } })).toMatchObject({
      status: "REJECTED",
      sourceIp: "203.0.113.7",
    });
    expect((await h.db.paymentAttempt.findUniqueOrThrow({ where: { id: prod.attempt.id } })).status).toBe("PENDING");
  });

  it("L7: a malformed body gets the same 400 whether or not the token is valid", async () => {
    const s = await silentAttempt("0712 345 803");
    const withValid = await postCallback(s.url, "{not json");
    const withGuess = await postCallback(guess("C"), "{not json");
    expect(withValid.status).toBe(400);
    expect(withGuess).toEqual(withValid);
  });
});

describe("M3: callbacks with an unknown token", () => {
  it("M3: an unknown-token callback keeps only metadata, never the body", async () => {
    const res = await postCallback(guess("D"), stkCallbackBody("ws_CO_meta", { receipt: "TSTMETA001" }), {
      ...from("203.0.113.20"),
      "X-Custom-Marker": "marker-value",
    });
    expect(res).toEqual(ACCEPTED);
    const row = await h.db.callbackLog.findFirstOrThrow({ where: { tokenHash: hashCallbackToken("D".repeat(32)) } });
    expect(row).toMatchObject({
      status: "IGNORED",
      attemptId: null,
      body: "",
      sourceIp: "203.0.113.20",
      path: "/daraja/stk/:token",
    });
    expect(row.headers).not.toContain("marker-value");
    expect(row.error).toMatch(/body not stored \(\d+ bytes\)/);
  });

  it("M3: unknown-token callbacks are rate-limited per source address (answered alike, not stored past the limit)", async () => {
    for (let i = 0; i < 6; i++)
      expect(await postCallback(guess("E"), stkCallbackBody(`ws_CO_flood${i}`), from("203.0.113.30"))).toEqual(
        ACCEPTED,
      );
    expect(await postCallback(guess("E"), stkCallbackBody("ws_CO_other"), from("203.0.113.31"))).toEqual(ACCEPTED);
    expect(await unknownRows("203.0.113.30")).toBe(3); // CALLBACK_UNKNOWN_PER_SOURCE
    expect(await unknownRows("203.0.113.31")).toBe(1);
  });
});

describe("L2: stored callbacks that cannot be applied", () => {
  it("L2: a callback whose processing keeps failing ends DEAD on its row after its retries, with an alert", async () => {
    h.emulator.setEndpoint(QUERY, { failTimes: 1000, failStatus: 503 });
    try {
      const s = await silentAttempt("0712 345 804", PROD_SHOP);
      expect(
        await postCallback(s.url, stkCallbackBody(s.attempt.checkoutRequestId!, { receipt: "TSTDEAD001" })),
      ).toEqual(ACCEPTED);
      const row = await eventually(
        () => h.db.callbackLog.findFirst({ where: { attemptId: s.attempt.id, status: "DEAD" } }),
        "callback dead",
      );
      expect(row.claims).toBe(3); // CALLBACK_MAX_ATTEMPTS
      expect(row.error).toBeTruthy();
      expect((await h.db.paymentAttempt.findUniqueOrThrow({ where: { id: s.attempt.id } })).status).toBe("PENDING");
      // The alert is logged just after the row is marked DEAD (and reaches us through a pipe): wait for it.
      const alert =
        /"alert":"job_dead"[^\n]*"jobType":"process-stk-callback"|"jobType":"process-stk-callback"[^\n]*"alert":"job_dead"/;
      await eventually(() => alert.test(h.app.output()), "job_dead alert logged");
    } finally {
      h.emulator.setEndpoint(QUERY, { failTimes: 0 });
    }
  });

  it("L2: a callback that crashed its worker on every claim is dead-lettered, not claimed forever", async () => {
    const s = await silentAttempt("0712 345 805");
    // What three crashes mid-apply leave behind: claimed the maximum number of times, lock expired.
    const crashed = await h.db.callbackLog.create({
      data: {
        kind: "STK",
        path: "/daraja/stk/:token",
        headers: "{}",
        status: "RECEIVED",
        body: JSON.stringify(stkCallbackBody(s.attempt.checkoutRequestId!, { receipt: "TSTCRASH01" })),
        attemptId: s.attempt.id,
        shopDomain: s.attempt.shopDomain,
        claims: 3,
        lockedBy: "dead-worker",
        lockedUntil: new Date(Date.now() - 1000),
      },
    });
    const row = await eventually(async () => {
      const r = await h.db.callbackLog.findUniqueOrThrow({ where: { id: crashed.id } });
      return r.status === "DEAD" ? r : null;
    }, "crashed callback dead-lettered");
    expect(row.claims).toBe(3);
    expect(row.error).toMatch(/without finishing/);
    expect((await h.db.paymentAttempt.findUniqueOrThrow({ where: { id: s.attempt.id } })).status).toBe("PENDING");
    // The alert is logged just after the row is marked DEAD (and reaches us through a pipe): wait for it.
    await eventually(() => h.app.output().includes('"alert":"callback_dead"'), "dead-letter alert logged");
  });
});

describe("M3: production deployment", () => {
  it("M3: where the deployment is production, unknown-token callbacks from outside the Daraja allowlist are not stored", async () => {
    await h.app.stop();
    await h.restart({ CALLBACK_UNKNOWN_SOURCE_CHECK: "true" });
    const near = await unknownRows("127.0.0.1");
    expect(await postCallback(guess("F"), stkCallbackBody("ws_CO_far"), from("198.51.100.4"))).toEqual(ACCEPTED);
    expect(await postCallback(guess("F"), stkCallbackBody("ws_CO_near"))).toEqual(ACCEPTED); // 127.0.0.1: allowlisted
    expect(await unknownRows("198.51.100.4")).toBe(0);
    expect(await unknownRows("127.0.0.1")).toBe(near + 1);
  });
});
