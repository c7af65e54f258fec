import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "./index";
import { call, startReceiver, STK_PUSH, stkBody, token, type Receiver } from "./test-support";

let emu: Emulator;
let rx: Receiver;
let bearer: string;
let n = 0;
const cbPath = () => `/ctl/${++n}`;

beforeAll(async () => {
  rx = await startReceiver();
  emu = await startEmulator({ callbackDelayMs: 5 });
  bearer = await token(emu);
});
afterAll(async () => {
  await emu.close();
  await rx.close();
});

const control = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${emu.url}/__emulator${path}`, {
    method,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
};

describe("control API", () => {
  it("records requests with their bodies and callbacks with the receiver's status", async () => {
    const path = cbPath();
    const sent = stkBody(254712345678, `${rx.url}${path}`);
    await call(emu, STK_PUSH, sent, { token: bearer });
    await rx.waitFor(path);
    await emu.idle();
    const { body: requests } = await control("GET", `/requests?path=${STK_PUSH}`);
    expect(requests.at(-1)).toMatchObject({ method: "POST", path: STK_PUSH, body: sent, status: 200 });
    expect(requests.at(-1).headers.authorization).not.toContain(bearer);
    const { body: callbacks } = await control("GET", "/callbacks?kind=stk");
    expect(callbacks.find((c: any) => c.url.endsWith(path))).toMatchObject({
      status: 200,
      body: { Body: { stkCallback: { ResultCode: 0 } } },
    });
  });

  it("stops delivering callbacks on request (pushes still succeed) and resumes", async () => {
    const stopped = await control("POST", "/callbacks/stop", { kinds: ["stk"] });
    expect(stopped).toEqual({ status: 200, body: { stopped: ["stk"] } });
    const lost = cbPath();
    try {
      const push = await call(emu, STK_PUSH, stkBody(254712345678, `${rx.url}${lost}`), { token: bearer });
      expect(push.body).toMatchObject({ ResponseCode: "0" });
      await emu.idle();
      expect(rx.at(lost)).toHaveLength(0);
      expect(emu.callbacks().find((c) => c.url.endsWith(lost))).toMatchObject({
        status: null,
        error: expect.stringMatching(/^not delivered/),
      });
    } finally {
      expect((await control("POST", "/callbacks/resume", { kinds: ["stk"] })).body).toEqual({ stopped: [] });
    }
    const back = cbPath();
    await call(emu, STK_PUSH, stkBody(254712345678, `${rx.url}${back}`), { token: bearer });
    await rx.waitFor(back);
    expect((await control("POST", "/callbacks/stop", { kinds: "stk" })).status).toBe(400);
  });

  it("never retries a callback the receiver failed, and records the failure", async () => {
    const path = cbPath();
    rx.answer(path, { status: 500, body: { error: "down" } });
    await call(emu, STK_PUSH, stkBody(254712345678, `${rx.url}${path}`), { token: bearer });
    await rx.waitFor(path);
    await emu.idle();
    await new Promise((r) => setTimeout(r, 30)); // a retry, if any, would have been scheduled by now
    expect(rx.at(path)).toHaveLength(1);
    expect(emu.callbacks().filter((c) => c.url.endsWith(path))).toEqual([expect.objectContaining({ status: 500 })]);
  });

  it("records an unreachable receiver as status null without retrying", async () => {
    const before = emu.stats().callbacksFailed;
    await call(emu, STK_PUSH, stkBody(254712345678, "http://127.0.0.1:1/nowhere"), { token: bearer });
    await emu.idle();
    const sent = emu.callbacks().filter((c) => c.url === "http://127.0.0.1:1/nowhere");
    expect(sent).toEqual([expect.objectContaining({ status: null, error: expect.stringContaining("fetch failed") })]);
    expect(emu.stats().callbacksFailed).toBe(before + 1);
  });

  it("forces the next outcome over HTTP", async () => {
    expect((await control("POST", "/next-outcome", { api: "stk", resultCode: 1032 })).status).toBe(200);
    const path = cbPath();
    await call(emu, STK_PUSH, stkBody(254712345678, `${rx.url}${path}`), { token: bearer });
    const [hit] = await rx.waitFor(path);
    expect(hit.body.Body.stkCallback).toMatchObject({ ResultCode: 1032, ResultDesc: "Request cancelled by user" });
    expect((await control("POST", "/next-outcome", { api: "nope" })).status).toBe(400);
  });

  it("makes an endpoint fail N times with 503 (HTML, like a proxy) or 500, then recover", async () => {
    const path = "/mpesa/qrcode/v1/generate";
    const qr = { MerchantName: "Shop", RefNo: "R", Amount: 1, TrxCode: "PB", CPI: "600984" };
    await control("POST", "/endpoints", { path, failTimes: 1, failStatus: 503 });
    const first = await call(emu, path, qr, { token: bearer });
    expect(first.status).toBe(503);
    expect(first.body).toContain("Service Temporarily Unavailable");
    emu.setEndpoint(path, { failTimes: 1, failStatus: 500 });
    const second = await call(emu, path, qr, { token: bearer });
    expect(second).toMatchObject({ status: 500, body: { errorCode: "500.003.1001" } });
    expect((await call(emu, path, qr, { token: bearer })).status).toBe(200);
  });

  it("makes an endpoint slow enough for a client timeout to fire", async () => {
    emu.setEndpoint("/mpesa/accountbalance/v1/query", { latencyMs: 2000 });
    const attempt = fetch(`${emu.url}/mpesa/accountbalance/v1/query`, {
      method: "POST",
      body: "{}",
      signal: AbortSignal.timeout(50),
    });
    await expect(attempt).rejects.toThrow();
    emu.setEndpoint("/mpesa/accountbalance/v1/query", { latencyMs: 0 });
  });

  it("counts OAuth requests, wrong passwords and per-endpoint requests", async () => {
    const before = emu.stats();
    await token(emu);
    await call(emu, STK_PUSH, stkBody(254712345678, `${rx.url}/x`, { Password: "d3Jvbmc=" }), { token: bearer });
    await call(emu, STK_PUSH, stkBody(254712345678, `${rx.url}/x`, { Timestamp: "2026" }), { token: bearer });
    const { body: after } = await control("GET", "/stats");
    expect(after.oauthRequests).toBe(before.oauthRequests + 1);
    expect(after.rejectedWrongPassword).toBe(before.rejectedWrongPassword + 1);
    expect(after.rejectedInvalidTimestamp).toBe(before.rejectedInvalidTimestamp + 1);
    expect(after.perEndpoint[STK_PUSH]).toBe((before.perEndpoint[STK_PUSH] ?? 0) + 2);
  });

  it("survives garbage: raw bytes on the socket, a non-object JSON body, an oversized body", async () => {
    await new Promise<void>((resolve) => {
      const socket = net.connect(emu.port, "127.0.0.1", () => socket.end("\x00\x01 garbage\r\n\r\n"));
      socket.on("data", () => {});
      socket.on("close", () => resolve());
      socket.on("error", () => resolve());
    });
    const array = await call(emu, STK_PUSH, "[1,2]", { token: bearer });
    expect(array.body.errorCode).toBe("400.002.05");
    const huge = await call(emu, STK_PUSH, `{"a":"${"x".repeat(1_100_000)}"}`, { token: bearer });
    expect(huge.body.errorCode).toBe("400.002.05");
    expect((await token(emu)).length).toBe(28);
  });
});

describe("spike arrest and reset", () => {
  it("answers 500.003.02 above the configured requests per second", async () => {
    const frozen = Date.now(); // a still clock keeps all requests inside one window, however slow the machine
    const limited = await startEmulator({ spikeArrestPerSecond: 3, now: () => frozen });
    try {
      const t = await token(limited); // 1 of 3
      const results = [];
      for (let i = 0; i < 4; i++) results.push(await call(limited, "/mpesa/qrcode/v1/generate", {}, { token: t }));
      const arrested = results.filter((r) => r.body.errorCode === "500.003.02");
      expect(results.map((r) => r.body.errorCode)).toEqual(["400.002.02", "400.002.02", "500.003.02", "500.003.02"]);
      expect(arrested[0]).toMatchObject({
        status: 500,
        body: { errorMessage: "Error Occurred: Spike Arrest Violation" },
      });
      expect(limited.stats().spikeArrests).toBe(arrested.length);
    } finally {
      await limited.close();
    }
  });

  it("reset forgets transactions, records and unsent callbacks but keeps tokens", async () => {
    const e = await startEmulator({ callbackDelayMs: 10_000 });
    try {
      const t = await token(e);
      await call(e, STK_PUSH, stkBody(254712345678, `${rx.url}/never`), { token: t });
      expect(e.stats().pendingCallbacks).toBe(1);
      const res = await fetch(`${e.url}/__emulator/reset`, { method: "POST" });
      expect(res.status).toBe(200);
      expect(e.stats()).toMatchObject({ pendingCallbacks: 0, callbacksSent: 0, perEndpoint: {} });
      expect(e.requests()).toHaveLength(0);
      expect(e.stkTransactions()).toHaveLength(0);
      expect((await call(e, STK_PUSH, {}, { token: t })).body.errorCode).toBe("400.002.02");
      e.reset({ tokens: true });
      expect((await call(e, STK_PUSH, {}, { token: t })).body.errorCode).toBe("404.001.03");
    } finally {
      await e.close();
    }
  });
});
