import { reasonOf5000011001 } from "../classify";
import type { DarajaCore } from "../core";
import { DarajaError } from "../errors";
import { normalizeMsisdn } from "../phone";
import { stkCredentials } from "../time";
import * as v from "../validation";
import { isZeroCode, readString, rejectedAck } from "./answers";

// M-PESA Express (STK Push) and its status query — docs/DARAJA.md §2.1–2.5.

export const STK_MIN_KES = 1;
export const STK_MAX_KES = 250_000;

export interface StkPushInput {
  businessShortCode: string | number;
  passkey: string;
  transactionType: "CustomerPayBillOnline" | "CustomerBuyGoodsOnline";
  amount: number;
  phone: string;
  partyB: string | number; // paybill: the shortcode; till: the till number
  callbackUrl: string;
  accountReference: string;
  transactionDesc?: string;
}

export interface StkPushAck {
  merchantRequestId: string;
  checkoutRequestId: string;
  responseCode: string;
  responseDescription: string;
  customerMessage: string;
}

export async function stkPush(core: DarajaCore, input: StkPushInput): Promise<StkPushAck> {
  const shortCode = v.shortCode("businessShortCode", input.businessShortCode);
  const passkey = v.text("passkey", input.passkey, { max: 200 });
  const transactionType = v.oneOf("transactionType", input.transactionType, [
    "CustomerPayBillOnline",
    "CustomerBuyGoodsOnline",
  ] as const);
  const amount = v.amount("amount", input.amount, STK_MIN_KES, STK_MAX_KES);
  const phone = normalizeMsisdn(input.phone, "phone");
  const partyB = v.shortCode("partyB", input.partyB);
  const callbackUrl = v.callbackUrl("callbackUrl", input.callbackUrl, core.environment);
  // Shown in the prompt and used as the paybill account number; >12 silently loses the prompt.
  const accountReference = v.text("accountReference", input.accountReference, {
    max: 12,
    pattern: /^[A-Za-z0-9 _-]+$/,
    patternHint: "letters, digits, spaces, - or _",
  });
  const transactionDesc = v.text("transactionDesc", input.transactionDesc ?? "Payment", { max: 13 });
  const { timestamp, password } = stkCredentials(shortCode, passkey, core.clock);

  // Numeric fields are sent as JSON numbers: string MSISDNs have been reported to time out in production.
  const body = await core.post(
    "/mpesa/stkpush/v1/processrequest",
    {
      BusinessShortCode: Number(shortCode),
      Password: password,
      Timestamp: timestamp,
      TransactionType: transactionType,
      Amount: amount,
      PartyA: Number(phone),
      PartyB: Number(partyB),
      PhoneNumber: Number(phone),
      CallBackURL: callbackUrl,
      AccountReference: accountReference,
      TransactionDesc: transactionDesc,
    },
    { unsafe: true, operation: "stkPush" },
  );
  if (!isZeroCode(body.ResponseCode)) throw rejectedAck(body, "stkPush");
  const read = (keys: string[], required = true) =>
    readString(body, keys, { required, unsafe: true, operation: "stkPush" });
  return {
    merchantRequestId: read(["MerchantRequestID"]),
    checkoutRequestId: read(["CheckoutRequestID"]),
    responseCode: String(body.ResponseCode),
    responseDescription: read(["ResponseDescription"], false),
    customerMessage: read(["CustomerMessage"], false),
  };
}

export interface StkQueryInput {
  businessShortCode: string | number;
  passkey: string;
  checkoutRequestId: string;
}

export type StkQueryResult =
  { state: "pending" } | { state: "final"; resultCode: string; resultDesc: string; merchantRequestId?: string };

export async function stkQuery(core: DarajaCore, input: StkQueryInput): Promise<StkQueryResult> {
  const shortCode = v.shortCode("businessShortCode", input.businessShortCode);
  const passkey = v.text("passkey", input.passkey, { max: 200 });
  const checkoutRequestId = v.text("checkoutRequestId", input.checkoutRequestId, { max: 100 });
  const { timestamp, password } = stkCredentials(shortCode, passkey, core.clock);
  let body;
  try {
    body = await core.post(
      "/mpesa/stkpushquery/v1/query",
      {
        BusinessShortCode: Number(shortCode),
        Password: password,
        Timestamp: timestamp,
        CheckoutRequestID: checkoutRequestId,
      },
      { unsafe: false, operation: "stkQuery" },
    );
  } catch (err) {
    // While the customer has not acted, Daraja answers 500.001.1001 "The transaction is being processed".
    if (
      err instanceof DarajaError &&
      err.errorCode === "500.001.1001" &&
      reasonOf5000011001(err.errorMessage) === "pending"
    ) {
      return { state: "pending" };
    }
    throw err;
  }
  if (!isZeroCode(body.ResponseCode)) throw rejectedAck(body, "stkQuery");
  const read = (keys: string[], required = true) =>
    readString(body, keys, { required, unsafe: false, operation: "stkQuery" });
  return {
    state: "final",
    resultCode: read(["ResultCode"]), // a string here ("0", "1032"…); String() also covers numbers
    resultDesc: read(["ResultDesc"], false),
    merchantRequestId: read(["MerchantRequestID"], false) || undefined,
  };
}
