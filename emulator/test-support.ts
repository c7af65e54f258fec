// Helpers for the emulator's own tests: a local callback receiver and a bare Daraja caller on fetch.
import { constants, publicEncrypt } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { EMULATOR_CERTIFICATE, SANDBOX_INITIATOR_PASSWORD, SANDBOX_PASSKEY, type Emulator } from "./index";

export type Hit = { path: string; body: any };
type Answer = { status?: number; body?: unknown; delayMs?: number };

export async function startReceiver() {
  const hits: Hit[] = [];
  const answers = new Map<string, Answer>();
  let waiters: Array<() => void> = [];
  const server = http.createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => (raw += c));
    req.on("end", async () => {
      const path = req.url ?? "/";
      let body: unknown = raw;
      try {
        body = JSON.parse(raw);
      } catch {
        // not JSON: keep the raw text
      }
      hits.push({ path, body });
      waiters.forEach((w) => w());
      const a = answers.get(path) ?? {};
      if (a.delayMs) await new Promise((r) => setTimeout(r, a.delayMs));
      res.writeHead(a.status ?? 200, { "content-type": "application/json" });
      res.end(JSON.stringify(a.body ?? { ResultCode: 0, ResultDesc: "Accepted" }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    hits,
    at: (path: string) => hits.filter((h) => h.path === path),
    answer: (path: string, a: Answer) => answers.set(path, a),
    /** Resolves once `count` hits arrived on `path` (the test timeout bounds the wait). */
    waitFor(path: string, count = 1): Promise<Hit[]> {
      return new Promise((resolve) => {
        const check = () => {
          const got = hits.filter((h) => h.path === path);
          if (got.length >= count) {
            waiters = waiters.filter((w) => w !== check);
            resolve(got);
          }
        };
        waiters.push(check);
        check();
      });
    },
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
export type Receiver = Awaited<ReturnType<typeof startReceiver>>;

export const basic = (key = "emulator-consumer-key", secret = "emulator-consumer-secret") =>
  `Basic ${Buffer.from(`${key}:${secret}`).toString("base64")}`;

export async function token(emu: Emulator): Promise<string> {
  const res = await fetch(`${emu.url}/oauth/v1/generate?grant_type=client_credentials`, {
    headers: { authorization: basic() },
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

/** POSTs JSON with a bearer token; returns HTTP status and parsed body. */
export async function call(
  emu: Emulator,
  path: string,
  body: unknown,
  opts: { token?: string; headers?: Record<string, string> } = {},
) {
  const res = await fetch(`${emu.url}${path}`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${opts.token ?? (await token(emu))}`,
      "content-type": "application/json",
      ...opts.headers,
    },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: any = text;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON: the raw text is the body
  }
  return { status: res.status, body: json };
}

export const TIMESTAMP = "20260314153012";
export const password = (ts = TIMESTAMP, shortCode = "174379", passkey = SANDBOX_PASSKEY) =>
  Buffer.from(`${shortCode}${passkey}${ts}`).toString("base64");

export function stkBody(phone: number | string, callbackUrl: string, over: Record<string, unknown> = {}) {
  return {
    BusinessShortCode: 174379,
    Password: password(),
    Timestamp: TIMESTAMP,
    TransactionType: "CustomerPayBillOnline",
    Amount: 150,
    PartyA: phone,
    PartyB: 174379,
    PhoneNumber: phone,
    CallBackURL: callbackUrl,
    AccountReference: "SHP10492",
    TransactionDesc: "Order 10492",
    ...over,
  };
}

export const STK_PUSH = "/mpesa/stkpush/v1/processrequest";
export const STK_QUERY = "/mpesa/stkpushquery/v1/query";

export const stkQueryBody = (checkoutRequestId: string) => ({
  BusinessShortCode: 174379,
  Password: password(),
  Timestamp: TIMESTAMP,
  CheckoutRequestID: checkoutRequestId,
});

/** A SecurityCredential as Daraja expects it: the password, RSA PKCS#1 v1.5-encrypted, base64 (§4). */
export const securityCredential = (password = SANDBOX_INITIATOR_PASSWORD, certificatePem = EMULATOR_CERTIFICATE) =>
  publicEncrypt({ key: certificatePem, padding: constants.RSA_PKCS1_PADDING }, Buffer.from(password, "utf8")).toString(
    "base64",
  );
