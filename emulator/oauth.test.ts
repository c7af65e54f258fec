import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "./index";
import { basic, call, STK_PUSH } from "./test-support";

const OAUTH = "/oauth/v1/generate";
let clock = Date.parse("2026-03-14T12:00:00Z");
let emu: Emulator;

beforeAll(async () => {
  emu = await startEmulator({ callbackDelayMs: 5, tokenTtlSeconds: 60, now: () => clock });
});
afterAll(() => emu.close());

const generate = (query: string, authorization?: string, method = "GET") =>
  fetch(`${emu.url}${OAUTH}${query}`, { method, headers: authorization ? { authorization } : {} });

describe("OAuth", () => {
  it("issues a token with expires_in as the string Daraja sends", async () => {
    const res = await generate("?grant_type=client_credentials", basic());
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toEqual({ access_token: expect.stringMatching(/^[A-Za-z0-9]{28}$/), expires_in: "59" });
  });

  it("refuses an unknown consumer key and a wrong secret", async () => {
    const unknown = await generate("?grant_type=client_credentials", basic("nobody", "emulator-consumer-secret"));
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toEqual({ resultCode: "999991", resultDesc: "Invalid client id passed" });
    const wrong = await generate("?grant_type=client_credentials", basic("emulator-consumer-key", "nope"));
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toEqual({ resultCode: "999996", resultDesc: "Invalid Authentication passed" });
  });

  it("answers 400.008.01 for non-Basic auth and 400.008.02 for a bad grant type", async () => {
    const bearer = await generate("?grant_type=client_credentials", "Bearer abc");
    expect(bearer.status).toBe(400);
    expect(await bearer.json()).toMatchObject({ errorCode: "400.008.01", requestId: expect.any(String) });
    const grant = await generate("?grant_type=client_credentials%20", basic());
    expect((await grant.json()).errorCode).toBe("400.008.02");
    const none = await generate("", basic());
    expect((await none.json()).errorCode).toBe("400.008.02");
  });

  it("answers 405.001 to a POST", async () => {
    const res = await generate("?grant_type=client_credentials", basic(), "POST");
    expect(res.status).toBe(405);
    expect((await res.json()).errorCode).toBe("405.001");
  });

  it("expires tokens after the configured TTL, then the STK envelope says Invalid Access Token", async () => {
    const res = await generate("?grant_type=client_credentials", basic());
    const { access_token } = await res.json();
    const before = await call(emu, STK_PUSH, {}, { token: access_token });
    expect(before.body.errorCode).toBe("400.002.02"); // got past the token check

    clock += 60_000;
    const after = await call(emu, STK_PUSH, {}, { token: access_token });
    expect(after.status).toBe(404);
    expect(after.body).toEqual({
      requestId: expect.any(String),
      errorCode: "404.001.03",
      errorMessage: "Invalid Access Token",
    });
  });

  it("expireTokens() invalidates every issued token", async () => {
    const oauthBefore = emu.stats().oauthRequests;
    const { access_token } = await (await generate("?grant_type=client_credentials", basic())).json();
    emu.expireTokens();
    const res = await call(emu, "/mpesa/b2c/v3/paymentrequest", {}, { token: access_token });
    expect(res.status).toBe(401);
    expect(res.body.errorCode).toBe("401.002.01");
    expect(res.body.errorMessage).toBe(`Error Occurred - Invalid Access Token - ${access_token}`);
    expect(emu.stats().oauthRequests).toBe(oauthBefore + 1);
  });
});
