// M-PESA Express (§2.1–2.5): push, asynchronous callback, query.
import { echoStkAsC2b } from "./c2b";
import { Codes, DarajaFailure, ok, type Reply } from "../reply";
import { resolveStkOutcome, takeForced, STK_OUTCOMES, type StkOutcome } from "../outcomes";
import type { State, StkTxn } from "../state";
import { eatStamp } from "../time";
import * as v from "../validate";
import type { ApiContext } from "./context";

const TWO_MINUTES = 120_000;

type Credentials = { shortCode: string; password: string; timestamp: string };

/** Format checks of BusinessShortCode, Password and Timestamp, in the docs' field order. */
function readCredentials(state: State, body: v.Body): Credentials {
  const shortCode = v.shortCode(body, "BusinessShortCode");
  const password = body.Password;
  if (typeof password !== "string" || password === "") throw Codes.invalidField("Password");
  try {
    const ts = v.timestamp(body);
    const skew = state.opts.maxTimestampSkewSeconds;
    if (skew !== undefined && Math.abs(ts.ms - state.now()) > skew * 1000) throw Codes.invalidField("Timestamp");
    return { shortCode, password, timestamp: ts.raw };
  } catch (err) {
    state.stats.rejectedInvalidTimestamp++;
    throw err;
  }
}

/** Shortcode known? Password = base64(shortcode + passkey + timestamp)? (§2.4) */
function verifyCredentials(state: State, c: Credentials): string {
  const passkey = state.passkeys.get(c.shortCode);
  if (passkey === undefined) throw Codes.merchantMissing();
  if (c.password !== Buffer.from(`${c.shortCode}${passkey}${c.timestamp}`).toString("base64")) {
    state.stats.rejectedWrongPassword++;
    throw Codes.wrongCredentials();
  }
  return c.shortCode;
}

// Documented: AccountReference ≤ 12, TransactionDesc ≤ 13 characters. Seen: longer values accepted
// synchronously (Safaricom's own Node library sends a 20-character TransactionDesc by default); a long
// AccountReference then delivers no prompt. `strictFieldLengths` enforces the documented limits.
const ACCOUNT_REFERENCE_MAX = 12;
const TRANSACTION_DESC_MAX = 13;
const NO_LIMIT = 10_000;

function textFields(state: State, body: v.Body, transactionType: string) {
  const strict = state.opts.strictFieldLengths;
  const accountReference = v.text(body, "AccountReference", {
    max: strict ? ACCOUNT_REFERENCE_MAX : NO_LIMIT,
    required: transactionType === "CustomerPayBillOnline",
  });
  const desc = v.text(body, "TransactionDesc", { max: strict ? TRANSACTION_DESC_MAX : NO_LIMIT });
  const longReference = (accountReference?.length ?? 0) > ACCOUNT_REFERENCE_MAX;
  if (longReference || (desc?.length ?? 0) > TRANSACTION_DESC_MAX) state.stats.acceptedOverDocumentedLength++;
  return { accountReference, longReference };
}

export function stkPush({ state, body }: ApiContext): Reply {
  // Field order follows the docs table, so the first bad field is the one named.
  const credentials = readCredentials(state, body);
  const transactionType = v.oneOf(body, "TransactionType", [
    "CustomerPayBillOnline",
    "CustomerBuyGoodsOnline",
  ] as const);
  const amount = v.amount(body, "Amount", 1, 250_000);
  const partyA = v.msisdn(body, "PartyA");
  const partyB = v.shortCode(body, "PartyB");
  const phone = v.msisdn(body, "PhoneNumber");
  const callbackUrl = v.url(body, "CallBackURL")!;
  const { accountReference, longReference } = textFields(state, body, transactionType);
  const shortCode = verifyCredentials(state, credentials);
  void partyA; // validated only: the prompt goes to PhoneNumber

  const now = state.now();
  const live = [...state.stk.values()];
  if (state.rules.subscriberLock && live.some((t) => t.phone === phone && !t.final)) throw Codes.subscriberLocked();
  let outcome: StkOutcome = resolveStkOutcome(takeForced(state.forced, "stk"), phone);
  if (!receiverFits(state, transactionType, shortCode, partyB)) outcome = STK_OUTCOMES.operator_missing;
  // Seen on Daraja: an AccountReference over 12 characters is accepted, then no prompt reaches the phone.
  if (longReference) outcome = STK_OUTCOMES.timeout;
  if (
    state.rules.sameAmountWithin2Minutes &&
    live.some((t) => t.phone === phone && t.amount === amount && now - t.createdAt < TWO_MINUTES)
  ) {
    outcome = STK_OUTCOMES.rule_limited;
  }

  const txn: StkTxn = {
    merchantRequestId: state.ids.requestId(),
    checkoutRequestId: checkoutRequestId(state, now, phone),
    shortCode,
    partyB,
    phone,
    amount,
    accountReference,
    createdAt: now,
  };
  state.stk.set(txn.checkoutRequestId, txn);
  schedule(state, txn, outcome, callbackUrl);
  return ok({
    MerchantRequestID: txn.merchantRequestId,
    CheckoutRequestID: txn.checkoutRequestId,
    ResponseCode: "0",
    ResponseDescription: "Success. Request accepted for processing",
    CustomerMessage: "Success. Request accepted for processing",
  });
}

/**
 * Does PartyB fit the TransactionType for this shortcode? Buy Goods: PartyB must be a till of the store
 * BusinessShortCode (not the store itself, not another store's till). Pay Bill: PartyB must not be a
 * till. A misfit is accepted synchronously and ends in SFC_IC0003 "The operator does not exist." (§6.2,
 * §10 item 6: the most common till set-up failure).
 */
function receiverFits(state: State, transactionType: string, shortCode: string, partyB: string): boolean {
  if (transactionType === "CustomerBuyGoodsOnline") return state.tills.get(partyB) === shortCode;
  return !state.tills.has(partyB);
}

/** "ws_CO_" + ddMMyyyyHHmmss + milliseconds + the phone's 9 national digits, as the sandbox shapes it. */
function checkoutRequestId(state: State, now: number, phone: string): string {
  const s = eatStamp(now);
  const ddMMyyyy = `${s.slice(6, 8)}${s.slice(4, 6)}${s.slice(0, 4)}`;
  let ms = String(now % 1000).padStart(3, "0");
  let id = `ws_CO_${ddMMyyyy}${s.slice(8)}${ms}${phone.slice(3)}`;
  while (state.stk.has(id)) {
    ms = state.ids.digits(3);
    id = `ws_CO_${ddMMyyyy}${s.slice(8)}${ms}${phone.slice(3)}`;
  }
  return id;
}

function schedule(state: State, txn: StkTxn, outcome: StkOutcome, callbackUrl: string) {
  const { dispatcher } = state;
  const finalDelay = state.delay(outcome.timeout ? state.opts.stkTimeoutDelayMs : undefined);
  dispatcher.later(finalDelay, async () => {
    settle(state, txn, outcome);
    const body = callbackBody(txn);
    if (outcome.delivery === "normal") await dispatcher.post("stk", callbackUrl, body);
    if (outcome.delivery === "twice") {
      await dispatcher.post("stk", callbackUrl, body);
      await dispatcher.post("stk", callbackUrl, body);
    }
    if (outcome.delivery === "late") {
      dispatcher.later(state.opts.lateCallbackDelayMs, () => dispatcher.post("stk", callbackUrl, body));
    }
    const receipt = txn.final?.receipt;
    if (receipt) await echoStkAsC2b(state, { ...txn, receipt });
    if (outcome.paidLater) {
      dispatcher.later(state.opts.lateCallbackDelayMs, async () => {
        settle(state, txn, STK_OUTCOMES.success);
        await dispatcher.post("stk", callbackUrl, callbackBody(txn));
        await echoStkAsC2b(state, { ...txn, receipt: txn.final!.receipt! });
      });
    }
  });
}

/** The customer has answered (or not): the transaction is final and money moves on success. */
function settle(state: State, txn: StkTxn, outcome: StkOutcome) {
  const at = state.now();
  const success = String(outcome.resultCode) === "0";
  const receipt = success ? state.ids.receipt() : undefined;
  txn.final = { resultCode: outcome.resultCode, resultDesc: outcome.resultDesc, receipt, at };
  if (!receipt) return;
  state.account(txn.shortCode).utility += txn.amount;
  state.ledger.set(receipt, {
    receipt,
    kind: "stk",
    shortCode: txn.shortCode,
    msisdn: txn.phone,
    amount: txn.amount,
    at,
    billRef: txn.accountReference,
    transactionType: "Pay Bill",
  });
}

/** §2.2: numbers as numbers, Balance without Value, TransactionDate as an EAT number; no metadata on failure. */
function callbackBody(txn: StkTxn) {
  const f = txn.final!;
  const stkCallback: Record<string, unknown> = {
    MerchantRequestID: txn.merchantRequestId,
    CheckoutRequestID: txn.checkoutRequestId,
    ResultCode: f.resultCode,
    ResultDesc: f.resultDesc,
  };
  if (f.receipt) {
    stkCallback.CallbackMetadata = {
      Item: [
        { Name: "Amount", Value: txn.amount },
        { Name: "MpesaReceiptNumber", Value: f.receipt },
        { Name: "Balance" },
        { Name: "TransactionDate", Value: Number(eatStamp(f.at)) },
        { Name: "PhoneNumber", Value: Number(txn.phone) },
      ],
    };
  }
  return { Body: { stkCallback } };
}

export function stkQuery({ state, body }: ApiContext): Reply {
  const shortCode = verifyCredentials(state, readCredentials(state, body));
  const id = body.CheckoutRequestID;
  const txn = typeof id === "string" ? state.stk.get(id) : undefined;
  if (!txn || txn.shortCode !== shortCode) throw Codes.invalidField("CheckoutRequestID");
  if (!txn.final) {
    // §2.3: the pending answer is an error envelope whose requestId is the CheckoutRequestID.
    throw new DarajaFailure(500, "500.001.1001", "The transaction is being processed", txn.checkoutRequestId);
  }
  const code = String(txn.final.resultCode);
  return ok({
    ResponseCode: "0",
    ResponseDescription: "The service request has been accepted successfully",
    MerchantRequestID: txn.merchantRequestId,
    CheckoutRequestID: txn.checkoutRequestId,
    ResultCode: code, // a string here, unlike the callback [capture]
    ResultDesc: code === "1037" ? "No response from user." : txn.final.resultDesc,
  });
}
