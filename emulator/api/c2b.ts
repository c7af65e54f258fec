// C2B (§3): register URLs (v1/v2), simulate, and the customer payment flow behind both the simulate
// endpoint and the control API: optional validation call, then confirmation.
import { createHash } from "node:crypto";
import { Codes, GatewayFault, ok, type DarajaFailure, type Reply } from "../reply";
import type { State } from "../state";
import { eatStamp } from "../time";
import * as v from "../validate";
import type { ApiContext } from "./context";

export function registerUrl(version: "v1" | "v2") {
  return ({ state, body }: ApiContext): Reply => {
    const shortCode = v.shortCode(body, "ShortCode");
    const product = state.c2bVersions.get(shortCode);
    if (product !== undefined && product !== version) throw noApiProductMatch();
    // Exactly "Completed" or "Cancelled": sentence case, correctly spelled (§3.1).
    const responseType = v.oneOf(body, "ResponseType", ["Completed", "Cancelled"] as const);
    const confirmationUrl = v.c2bUrl(body, "ConfirmationURL", true)!;
    // The docs list ValidationURL as required; it only matters once validation is enabled, so an absent
    // one is tolerated (validation is then skipped) rather than guessing an error Daraja may not send.
    const validationUrl = v.c2bUrl(body, "ValidationURL", false);
    state.c2b.set(shortCode, { version, responseType, confirmationUrl, validationUrl });
    return ok({
      OriginatorCoversationID: state.ids.requestId(), // sic: Daraja's spelling
      // v1 answers "0" as the docs show; v2 answers "00000000" as the sandbox did [capture], so clients
      // exercise "treat any all-zero string as success".
      ResponseCode: version === "v1" ? "0" : "00000000",
      ResponseDescription: "Success",
    });
  };
}

/**
 * The gateway's answer when the app's API product does not cover this resource (here: the C2B version
 * the shortcode is not on). The docs give only the text; the envelope is the Apigee fault the gateway
 * uses for its own refusals, HTTP 401.
 */
function noApiProductMatch(): DarajaFailure {
  return new GatewayFault(401, {
    fault: {
      faultstring: "Invalid API call as no apiproduct match found",
      detail: { errorcode: "keymanagement.service.InvalidAPICallAsNoApiProductMatchFound" },
    },
  });
}

export function simulate({ state, body }: ApiContext): Reply {
  const shortCode = v.shortCode(body, "ShortCode");
  const commandId = v.oneOf(body, "CommandID", ["CustomerPayBillOnline", "CustomerBuyGoodsOnline"] as const);
  const amount = v.amount(body, "Amount", 1, 250_000);
  const msisdn = v.msisdn(body, "Msisdn");
  // A till takes BillRefNumber null (§3.4); a paybill account number is up to 20 characters.
  const billRef = body.BillRefNumber === null ? undefined : v.text(body, "BillRefNumber", { max: 20 });
  state.dispatcher.later(state.delay(), () =>
    customerPays(state, {
      shortCode,
      amount,
      msisdn,
      billRef,
      kind: commandId === "CustomerBuyGoodsOnline" ? "till" : "paybill",
    }),
  );
  return ok({
    OriginatorCoversationID: state.ids.requestId(),
    ResponseCode: "0",
    ResponseDescription: "Accept the service request successfully.",
  });
}

export type CustomerPayment = {
  shortCode: string;
  amount: number;
  msisdn: string;
  billRef?: string;
  kind?: "paybill" | "till";
  /** Overrides the registration's version: v1 = SHA-256 hex MSISDN, v2 = masked "2547 ***** 678". */
  msisdnStyle?: "v1" | "v2";
  firstName?: string;
  /** The slip customers make typing the account number (applied to billRef), see `withTypo`. */
  typo?: Typo;
  /** The M-PESA receipt to use (an STK payment also reported by C2B carries the STK receipt). */
  transId?: string;
  /** "none": the money moves but the confirmation is never posted (a lost notification). */
  confirmation?: "normal" | "none";
};

export const TYPOS = ["spaces", "hash", "lower", "leading_zeros", "dash", "order_name"] as const;
export type Typo = (typeof TYPOS)[number];

/**
 * The account number as a customer might type it: "INV1001" -> " INV 100 1 " (spaces), "#INV1001"
 * (hash), "inv1001" (lower), "INV001001" (leading zeros before the number), "INV-1001" (dash),
 * "#1001" (order_name: the order's name instead of the issued reference).
 */
export function withTypo(billRef: string, typo: Typo): string {
  switch (typo) {
    case "spaces":
      return ` ${billRef.replace(/(.{3})/g, "$1 ").trim()} `;
    case "hash":
      return `#${billRef}`;
    case "lower":
      return billRef.toLowerCase();
    case "leading_zeros":
      return billRef.replace(/\d/, (d) => `00${d}`);
    case "dash":
      return billRef.replace(/^([^\d]*)(\d)/, (_, prefix: string, d: string) => (prefix ? `${prefix}-${d}` : `${d}`));
    case "order_name":
      return `#${billRef.replace(/^\D+/, "")}`;
  }
}

export type CustomerPaymentResult = {
  transId: string;
  status: "completed" | "rejected";
  validation?: { status: number | null; resultCode?: string; appliedResponseType?: boolean };
  confirmationStatus?: number | null;
};

/** A customer pays a paybill or till from their phone; money moves only if validation lets it. */
export async function customerPays(state: State, p: CustomerPayment): Promise<CustomerPaymentResult> {
  // A till's payments reach the URLs registered for the till or, failing that, for its store (the
  // shortcode the merchant went live with; which one Safaricom uses for tills is unconfirmed).
  const registeredFor = state.c2b.has(p.shortCode) ? p.shortCode : (state.tills.get(p.shortCode) ?? p.shortCode);
  const reg = state.c2b.get(registeredFor);
  const transId = p.transId ?? state.ids.receipt();
  const billRef = p.billRef !== undefined && p.typo ? withTypo(p.billRef, p.typo) : p.billRef;
  const style = p.msisdnStyle ?? reg?.version ?? "v2";
  const payload = {
    TransactionType: p.kind === "till" ? "Buy Goods" : "Pay Bill",
    TransID: transId,
    TransTime: eatStamp(state.now()),
    TransAmount: p.amount.toFixed(2),
    BusinessShortCode: p.shortCode,
    BillRefNumber: billRef ?? "",
    InvoiceNumber: "",
    OrgAccountBalance: "",
    ThirdPartyTransID: "",
    MSISDN: style === "v1" ? createHash("sha256").update(p.msisdn).digest("hex") : maskMsisdn(p.msisdn),
    FirstName: p.firstName ?? "JOHN",
    MiddleName: "",
    LastName: "",
  };
  const result: CustomerPaymentResult = { transId, status: "completed" };

  if (reg?.validationUrl && state.c2bValidationEnabled.has(registeredFor)) {
    const rec = await state.dispatcher.post(
      "c2b:validation",
      reg.validationUrl,
      payload,
      state.opts.c2bValidationTimeoutMs,
    );
    const reply = parseReply(rec.responseBody);
    result.validation = { status: rec.status, resultCode: reply?.resultCode };
    let accepted: boolean;
    if (rec.status === 200 && reply) {
      accepted = reply.resultCode === "0";
      if (accepted && reply.thirdPartyTransId) payload.ThirdPartyTransID = reply.thirdPartyTransId;
    } else {
      // No usable answer in time: M-PESA applies the registered ResponseType (§3.1).
      result.validation.appliedResponseType = true;
      accepted = reg.responseType === "Completed";
    }
    if (!accepted) return { ...result, status: "rejected" };
  }

  const account = state.account(p.shortCode);
  account.utility += p.amount;
  state.ledger.set(transId, {
    receipt: transId,
    kind: "c2b",
    shortCode: p.shortCode,
    msisdn: p.msisdn,
    amount: p.amount,
    at: state.now(),
    billRef,
    transactionType: payload.TransactionType as "Pay Bill" | "Buy Goods",
    firstName: payload.FirstName,
  });
  if (reg && p.confirmation !== "none") {
    const confirmation = { ...payload, OrgAccountBalance: account.utility.toFixed(2) };
    const rec = await state.dispatcher.post("c2b:confirmation", reg.confirmationUrl, confirmation);
    result.confirmationStatus = rec.status;
  }
  return result;
}

/** "254712345678" → "2547 ***** 678" (§3.1). */
export const maskMsisdn = (msisdn: string) => `${msisdn.slice(0, 4)} ***** ${msisdn.slice(-3)}`;

function parseReply(text: string | undefined): { resultCode: string; thirdPartyTransId?: string } | null {
  try {
    const json = JSON.parse(text ?? "");
    if (json === null || typeof json !== "object" || json.ResultCode === undefined) return null;
    const tp = json.ThirdPartyTransID;
    return { resultCode: String(json.ResultCode), thirdPartyTransId: typeof tp === "string" ? tp : undefined };
  } catch {
    return null;
  }
}

export function parseCustomerPayment(input: unknown): CustomerPayment {
  const body = (input ?? {}) as v.Body;
  const kind = body.kind === "till" ? "till" : "paybill";
  const style = body.msisdnStyle;
  if (style !== undefined && style !== "v1" && style !== "v2") throw Codes.invalidField("msisdnStyle");
  const typo = body.typo;
  if (typo !== undefined && !(TYPOS as readonly unknown[]).includes(typo)) throw Codes.invalidField("typo");
  const confirmation = body.confirmation;
  if (confirmation !== undefined && confirmation !== "normal" && confirmation !== "none")
    throw Codes.invalidField("confirmation");
  return {
    shortCode: v.shortCode(body, "shortCode"),
    amount: v.amount(body, "amount", 1, 250_000),
    msisdn: v.msisdn(body, "msisdn"),
    billRef: v.text(body, "billRef", { max: 20 }),
    kind,
    msisdnStyle: style,
    firstName: v.text(body, "firstName", { max: 50 }),
    typo: typo as Typo | undefined,
    confirmation,
  };
}

/**
 * Reported (unconfirmed, §10.3): an STK payment to a paybill with C2B URLs registered may also reach
 * the confirmation URL, with BillRefNumber = the STK AccountReference and the same receipt. Played
 * for the shortcodes the control API names (`POST /__emulator/c2b/stk-echo`).
 */
export async function echoStkAsC2b(
  state: State,
  stk: { shortCode: string; amount: number; phone: string; accountReference?: string; receipt: string },
) {
  if (!state.c2bEchoStk.has(stk.shortCode) || !state.c2b.get(stk.shortCode)) return;
  const reg = state.c2b.get(stk.shortCode)!;
  const account = state.account(stk.shortCode);
  await state.dispatcher.post("c2b:confirmation", reg.confirmationUrl, {
    TransactionType: "Pay Bill",
    TransID: stk.receipt,
    TransTime: eatStamp(state.now()),
    TransAmount: stk.amount.toFixed(2),
    BusinessShortCode: stk.shortCode,
    BillRefNumber: stk.accountReference ?? "",
    InvoiceNumber: "",
    OrgAccountBalance: account.utility.toFixed(2),
    ThirdPartyTransID: "",
    MSISDN: reg.version === "v1" ? createHash("sha256").update(stk.phone).digest("hex") : maskMsisdn(stk.phone),
    FirstName: "JOHN",
    MiddleName: "",
    LastName: "",
  });
}
