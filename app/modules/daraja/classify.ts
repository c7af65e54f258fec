import type { DarajaErrorKind } from "./errors";

// How to treat a synchronous Daraja error answer (docs/DARAJA.md §6.1). This file is the only place that
// reads error *message text*, because Daraja overloads codes (500.001.1001 has four meanings).

export interface ErrorAnswer {
  httpStatus: number;
  errorCode: string | null;
  errorMessage: string;
}

/** Why a 500.001.1001 was returned; the code alone does not say. */
export type Code1001Reason = "pending" | "subscriber_locked" | "wrong_credentials" | "merchant_missing" | "other";

export function reasonOf5000011001(message: string): Code1001Reason {
  const m = message.toLowerCase();
  if (m.includes("being processed")) return "pending";
  if (m.includes("unable to lock subscriber")) return "subscriber_locked";
  if (m.includes("wrong credentials")) return "wrong_credentials";
  if (m.includes("merchant does not exist")) return "merchant_missing";
  return "other";
}

const INVALID_TOKEN_CODES = new Set(["404.001.03", "400.003.01", "401.002.01", "401.001"]);

/** Any of the ways Daraja says "your access token is no good" (docs/DARAJA.md §1). */
export function isInvalidTokenAnswer(a: ErrorAnswer): boolean {
  return (
    a.httpStatus === 401 ||
    (a.errorCode !== null && INVALID_TOKEN_CODES.has(a.errorCode)) ||
    /invalid access token/i.test(a.errorMessage)
  );
}

const FINAL_CODES = new Set([
  "400.002.02", // Invalid <Field>
  "400.002.05", // Invalid Request Payload
  "400.003.02", // Bad Request (banned word in URL…)
  "400.008.01",
  "400.008.02",
  "404.001.01",
  "404.003.01",
  "404.001.04",
  "405.001",
  "500.002.1001", // Duplicate OriginatorConversationID: query status instead of resending
]);

/**
 * `unsafe` marks requests that move money (STK Push, B2C, Reversal): an answer we cannot interpret
 * there means "it may have happened", so it is `unknown-outcome` rather than `retryable`.
 */
export function classifyErrorAnswer(a: ErrorAnswer, unsafe: boolean): DarajaErrorKind {
  const code = a.errorCode ?? "";
  const msg = a.errorMessage.toLowerCase();
  if (isInvalidTokenAnswer(a)) return "final"; // reached only after the one refresh-and-retry failed
  if (FINAL_CODES.has(code)) return "final";
  if (msg.includes("no apiproduct match")) return "final";
  if (code === "500.001.1001") {
    const reason = reasonOf5000011001(a.errorMessage);
    if (reason === "pending" || reason === "subscriber_locked") return "retryable";
    if (reason === "wrong_credentials" || reason === "merchant_missing") return "final";
    return unsafe ? "unknown-outcome" : "retryable";
  }
  // Spike arrest / quota: the gateway rejected the call before M-PESA saw it.
  if (code === "500.003.02" || code === "500.003.03" || a.httpStatus === 429) return "retryable";
  if (code === "500.003.1001") {
    if (msg.includes("already registered") || msg.includes("duplicate notification")) return "final";
    return unsafe ? "unknown-outcome" : "retryable";
  }
  if (a.httpStatus >= 400 && a.httpStatus < 500) return "final";
  // 5xx without a code we know: for money-moving calls we cannot tell whether M-PESA acted.
  return unsafe ? "unknown-outcome" : "retryable";
}

/**
 * A refused request (or a failure callback) that only a change of the shop's Daraja set-up can fix
 * (the home page's health banner). Null: not a set-up problem, or not one we can name.
 */
export type SetupProblem =
  | "oauth" // consumer key/secret refused (wrong keys, or the other environment's)
  | "wrong_credentials" // 500.001.1001 Wrong credentials: the passkey does not belong to the shortcode
  | "merchant_missing" // 500.001.1001 Merchant does not exist: the shortcode is not on M-PESA Express
  | "invalid_shortcode" // 400.002.02 Invalid BusinessShortCode
  | "invalid_party_b" // 400.002.02 Invalid PartyB: the till (or paybill) number receiving the money
  | "invalid_callback_url" // 400.002.02 Invalid CallBackURL, or a word Daraja refuses in it
  | "no_api_product" // the Daraja app has no M-PESA Express product
  | "operator_missing" // SFC_IC0003 The operator does not exist: till/store number swapped
  | "not_permitted"; // 2028 The request is not permitted according to product assignment

const OAUTH_CODES = new Set(["400.008.01", "400.008.02", "999991", "999996", "999997"]);

export function setupProblemOfAnswer(errorCode: string | null, errorMessage: string): SetupProblem | null {
  const code = (errorCode ?? "").trim();
  const m = errorMessage.toLowerCase();
  if (OAUTH_CODES.has(code)) return "oauth";
  if (code === "SFC_IC0003") return "operator_missing";
  if (code === "2028") return "not_permitted";
  if (m.includes("no apiproduct match")) return "no_api_product";
  if (code === "500.001.1001") {
    const reason = reasonOf5000011001(errorMessage);
    if (reason === "wrong_credentials" || reason === "merchant_missing") return reason;
    return null;
  }
  if (code === "400.003.02" && m.includes("callbackurl")) return "invalid_callback_url";
  if (code === "400.002.02") {
    if (m.includes("invalid businessshortcode")) return "invalid_shortcode";
    if (m.includes("invalid partyb")) return "invalid_party_b";
    if (m.includes("invalid callbackurl")) return "invalid_callback_url";
  }
  return null;
}
