// The Daraja endpoint table (§0 endpoint index): path → handler, plus the two per-API quirks the
// gateway shows before a handler runs: which "Invalid Access Token" envelope, and which field a
// missing Content-Type gets blamed on (§0: "misleading errors such as Invalid BusinessShortCode").
import type { ApiContext } from "./api/context";
import { registerUrl, simulate } from "./api/c2b";
import { accountBalance, b2c, reversal, transactionStatus } from "./api/initiator";
import { pullQuery, pullRegister } from "./api/pull";
import { dynamicQr } from "./api/qr";
import { stkPush, stkQuery } from "./api/stk";
import type { Reply } from "./reply";

export type InvalidToken = { status: number; errorCode: string; message: (token: string) => string };

// §1 "What a stale or invalid token looks like".
const STK_TOKEN: InvalidToken = { status: 404, errorCode: "404.001.03", message: () => "Invalid Access Token" };
const C2B_TOKEN: InvalidToken = { status: 400, errorCode: "400.003.01", message: () => "Invalid Access Token" };
const B2C_TOKEN: InvalidToken = {
  status: 401,
  errorCode: "401.002.01",
  message: (t) => `Error Occurred - Invalid Access Token - ${t}`,
};
const PULL_TOKEN: InvalidToken = {
  status: 401,
  errorCode: "401.001",
  message: () => "Error Occurred - Invalid Access Token - ",
};

export type Route = {
  handle: (ctx: ApiContext) => Reply | Promise<Reply>;
  invalidToken: InvalidToken;
  blamedField: string;
};

export const ROUTES: Record<string, Route> = {
  "/mpesa/stkpush/v1/processrequest": { handle: stkPush, invalidToken: STK_TOKEN, blamedField: "BusinessShortCode" },
  "/mpesa/stkpushquery/v1/query": { handle: stkQuery, invalidToken: STK_TOKEN, blamedField: "BusinessShortCode" },
  "/mpesa/c2b/v1/registerurl": { handle: registerUrl("v1"), invalidToken: C2B_TOKEN, blamedField: "ShortCode" },
  "/mpesa/c2b/v2/registerurl": { handle: registerUrl("v2"), invalidToken: C2B_TOKEN, blamedField: "ShortCode" },
  "/mpesa/c2b/v1/simulate": { handle: simulate, invalidToken: C2B_TOKEN, blamedField: "ShortCode" },
  "/mpesa/c2b/v2/simulate": { handle: simulate, invalidToken: C2B_TOKEN, blamedField: "ShortCode" },
  "/mpesa/b2c/v3/paymentrequest": { handle: b2c("v3"), invalidToken: B2C_TOKEN, blamedField: "InitiatorName" },
  // v1 still accepted? unconfirmed (§2.6); modelled as accepted, with the API generating the originator id.
  "/mpesa/b2c/v1/paymentrequest": { handle: b2c("v1"), invalidToken: B2C_TOKEN, blamedField: "InitiatorName" },
  // Reversal, Account Balance and QR have no documented token envelope: the generic 404.001.03 is used.
  "/mpesa/reversal/v1/request": { handle: reversal, invalidToken: STK_TOKEN, blamedField: "Initiator" },
  "/mpesa/transactionstatus/v1/query": { handle: transactionStatus, invalidToken: C2B_TOKEN, blamedField: "Initiator" },
  "/mpesa/accountbalance/v1/query": { handle: accountBalance, invalidToken: STK_TOKEN, blamedField: "Initiator" },
  "/pulltransactions/v1/register": { handle: pullRegister, invalidToken: PULL_TOKEN, blamedField: "ShortCode" },
  // The docs text says GET; SDKs POST a JSON body. POST only, like every M-PESA endpoint here.
  "/pulltransactions/v1/query": { handle: pullQuery, invalidToken: PULL_TOKEN, blamedField: "ShortCode" },
  "/mpesa/qrcode/v1/generate": { handle: dynamicQr, invalidToken: STK_TOKEN, blamedField: "MerchantName" },
};

export const OAUTH_PATH = "/oauth/v1/generate";
