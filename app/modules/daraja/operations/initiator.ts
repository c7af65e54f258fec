import type { DarajaCore } from "../core";
import { normalizeMsisdn } from "../phone";
import { resolveSecurityCredential, type InitiatorCredential } from "../security-credential";
import * as v from "../validation";
import { isZeroCode, readString, rejectedAck } from "./answers";

// Initiator-authenticated APIs (docs/DARAJA.md §2.6–2.9, §4). Each answers with an acknowledgement now and
// posts the outcome to ResultURL (or QueueTimeOutURL) later — see parsers/result.ts.

export interface InitiatorAck {
  originatorConversationId: string;
  conversationId: string;
  responseCode: string;
  responseDescription: string;
}

interface InitiatorBase {
  initiatorName: string;
  credential: InitiatorCredential; // ready SecurityCredential, or password (+ optional PEM)
  resultUrl: string;
  queueTimeOutUrl: string;
}

function common(core: DarajaCore, i: InitiatorBase) {
  return {
    initiator: v.text("initiatorName", i.initiatorName, { max: 100 }),
    securityCredential: resolveSecurityCredential(i.credential, core.environment),
    resultUrl: v.callbackUrl("resultUrl", i.resultUrl, core.environment),
    queueTimeOutUrl: v.callbackUrl("queueTimeOutUrl", i.queueTimeOutUrl, core.environment),
  };
}

async function send(core: DarajaCore, path: string, body: Record<string, unknown>, operation: string, unsafe: boolean) {
  const answer = await core.post(path, body, { unsafe, operation });
  if (!isZeroCode(answer.ResponseCode)) throw rejectedAck(answer, operation);
  const read = (keys: string[], required = true) => readString(answer, keys, { required, unsafe, operation });
  return {
    originatorConversationId: read(["OriginatorConversationID", "OriginatorCoversationID"], false),
    conversationId: read(["ConversationID"], unsafe),
    responseCode: String(answer.ResponseCode),
    responseDescription: read(["ResponseDescription"], false),
  };
}

export const B2C_MIN_KES = 10;
export const B2C_MAX_KES = 250_000;

export interface B2cInput extends InitiatorBase {
  /** Caller-generated, unique per payout: the idempotency key. Reuse → 500.002.1001 Duplicate. */
  originatorConversationId: string;
  commandId?: "BusinessPayment" | "SalaryPayment" | "PromotionPayment";
  amount: number;
  partyA: string | number; // B2C shortcode
  phone: string;
  remarks: string;
  occasion?: string;
}

/** B2C v3. A timeout is `unknown`: query Transaction Status with the OriginatorConversationID. */
export async function b2c(core: DarajaCore, i: B2cInput): Promise<InitiatorAck> {
  const c = common(core, i);
  const body: Record<string, unknown> = {
    OriginatorConversationID: v.text("originatorConversationId", i.originatorConversationId, { max: 100 }),
    InitiatorName: c.initiator,
    SecurityCredential: c.securityCredential,
    CommandID: v.oneOf("commandId", i.commandId ?? "BusinessPayment", [
      "BusinessPayment",
      "SalaryPayment",
      "PromotionPayment",
    ] as const),
    Amount: v.amount("amount", i.amount, B2C_MIN_KES, B2C_MAX_KES),
    PartyA: Number(v.shortCode("partyA", i.partyA)),
    PartyB: Number(normalizeMsisdn(i.phone, "phone")),
    Remarks: v.text("remarks", i.remarks, { min: 2, max: 100 }),
    QueueTimeOutURL: c.queueTimeOutUrl,
    ResultURL: c.resultUrl,
  };
  const occasion = v.optionalText("occasion", i.occasion, 100);
  if (occasion) body.Occassion = occasion; // sic: the B2C docs spell it "Occassion"
  return send(core, "/mpesa/b2c/v3/paymentrequest", body, "b2c", true);
}

export interface ReversalInput extends InitiatorBase {
  transactionId: string; // the receipt to reverse
  amount: number; // the original amount: reversals are all-or-nothing
  receiverParty: string | number; // our shortcode
  remarks: string;
  occasion?: string;
}

export async function reversal(core: DarajaCore, i: ReversalInput): Promise<InitiatorAck> {
  const c = common(core, i);
  const body: Record<string, unknown> = {
    Initiator: c.initiator,
    SecurityCredential: c.securityCredential,
    CommandID: "TransactionReversal",
    TransactionID: v.transactionId("transactionId", i.transactionId),
    Amount: v.amount("amount", i.amount, 1, 500_000),
    ReceiverParty: Number(v.shortCode("receiverParty", i.receiverParty)),
    RecieverIdentifierType: "11", // sic; "11" per current docs and Safaricom's node library
    ResultURL: c.resultUrl,
    QueueTimeOutURL: c.queueTimeOutUrl,
    Remarks: v.text("remarks", i.remarks, { min: 2, max: 100 }),
  };
  const occasion = v.optionalText("occasion", i.occasion, 100);
  if (occasion) body.Occasion = occasion;
  return send(core, "/mpesa/reversal/v1/request", body, "reversal", true);
}

export interface TransactionStatusInput extends InitiatorBase {
  transactionId?: string; // receipt
  originalConversationId?: string; // or the conversation id of a request we initiated
  partyA: string | number;
  identifierType?: "1" | "2" | "4"; // 4 = organisation shortcode (documented); 1/2 SDK lore
  remarks: string;
  occasion?: string;
}

export async function transactionStatus(core: DarajaCore, i: TransactionStatusInput): Promise<InitiatorAck> {
  const c = common(core, i);
  if (!i.transactionId && !i.originalConversationId) {
    v.text("transactionId", undefined, { max: 20 }); // throws "transactionId is required"
  }
  const body: Record<string, unknown> = {
    Initiator: c.initiator,
    SecurityCredential: c.securityCredential,
    CommandID: "TransactionStatusQuery",
    PartyA: Number(v.shortCode("partyA", i.partyA)),
    IdentifierType: v.oneOf("identifierType", i.identifierType ?? "4", ["1", "2", "4"] as const),
    ResultURL: c.resultUrl,
    QueueTimeOutURL: c.queueTimeOutUrl,
    Remarks: v.text("remarks", i.remarks, { min: 2, max: 100 }),
    Occasion: v.optionalText("occasion", i.occasion, 100) ?? "",
  };
  if (i.transactionId) body.TransactionID = v.transactionId("transactionId", i.transactionId);
  if (i.originalConversationId) {
    body.OriginalConversationID = v.text("originalConversationId", i.originalConversationId, { max: 100 });
  }
  return send(core, "/mpesa/transactionstatus/v1/query", body, "transactionStatus", false);
}

export interface AccountBalanceInput extends InitiatorBase {
  partyA: string | number;
  identifierType?: "4";
  remarks: string;
}

export async function accountBalance(core: DarajaCore, i: AccountBalanceInput): Promise<InitiatorAck> {
  const c = common(core, i);
  return send(
    core,
    "/mpesa/accountbalance/v1/query",
    {
      Initiator: c.initiator,
      SecurityCredential: c.securityCredential,
      CommandID: "AccountBalance",
      PartyA: Number(v.shortCode("partyA", i.partyA)),
      IdentifierType: "4",
      Remarks: v.text("remarks", i.remarks, { min: 2, max: 100 }),
      QueueTimeOutURL: c.queueTimeOutUrl,
      ResultURL: c.resultUrl,
    },
    "accountBalance",
    false,
  );
}
