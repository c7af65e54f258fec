import { z } from "zod";
import { MalformedPayloadError } from "../errors";
import { codeSchema, oneOrMany, optionalString, parseWith } from "./common";

// Result and QueueTimeOut posts of the initiator APIs (B2C, Transaction Status, Account Balance,
// Reversal) — reference "Initiator APIs". ResultParameter/ReferenceItem may be one object or an
// array, items may lack Value, and codes may be numbers or strings (R000002).

const kv = z.object({ Key: z.string(), Value: z.union([z.string(), z.number(), z.boolean(), z.null()]).optional() });

const schema = z.object({
  Result: z.object({
    ResultType: codeSchema.optional(),
    ResultCode: codeSchema,
    ResultDesc: optionalString,
    OriginatorConversationID: optionalString,
    ConversationID: optionalString,
    TransactionID: optionalString,
    ResultParameters: z.object({ ResultParameter: oneOrMany(kv) }).nullish(),
    ReferenceData: z.object({ ReferenceItem: oneOrMany(kv) }).nullish(),
  }),
});

export type ResultValue = string | number | boolean | undefined;

export interface DarajaResult {
  resultType: string | null; // "0" completed, "1" waiting for further messages
  resultCode: string;
  resultDesc: string;
  originatorConversationId: string;
  conversationId: string;
  transactionId: string;
  /** ResultParameters by Key (first occurrence); items without Value map to undefined. */
  parameters: Record<string, ResultValue>;
  /** Every ResultParameter in order, duplicates kept (DebitPartyName can appear twice). */
  parameterList: { key: string; value: ResultValue }[];
  referenceData: Record<string, ResultValue>;
}

function toMap(list: { Key: string; Value?: string | number | boolean | null }[]) {
  const map: Record<string, ResultValue> = {};
  for (const { Key, Value } of list) if (!(Key in map)) map[Key] = Value ?? undefined;
  return map;
}

export function parseResult(body: unknown, what = "Daraja result"): DarajaResult {
  const r = parseWith(what, schema, body).Result;
  const params = r.ResultParameters?.ResultParameter ?? [];
  return {
    resultType: r.ResultType ?? null,
    resultCode: r.ResultCode,
    resultDesc: r.ResultDesc,
    originatorConversationId: r.OriginatorConversationID,
    conversationId: r.ConversationID,
    transactionId: r.TransactionID,
    parameters: toMap(params),
    parameterList: params.map((p) => ({ key: p.Key, value: p.Value ?? undefined })),
    referenceData: toMap(r.ReferenceData?.ReferenceItem ?? []),
  };
}

/**
 * QueueTimeOutURL payload — Safaricom publishes no sample (unconfirmed). We accept the Result envelope
 * community handlers assume; the outcome is unknown: reconcile with Transaction Status, never resend.
 */
export function parseQueueTimeout(body: unknown): DarajaResult & { outcome: "unknown" } {
  return { ...parseResult(body, "QueueTimeOut notification"), outcome: "unknown" };
}

const num = (v: ResultValue): number | undefined => {
  if (v === undefined || v === "" || typeof v === "boolean") return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
};
const text = (v: ResultValue): string | undefined => (v === undefined ? undefined : String(v));

export function parseB2cResult(body: unknown) {
  const r = parseResult(body, "B2C result");
  const p = r.parameters;
  return {
    ...r,
    transactionAmount: num(p.TransactionAmount),
    transactionReceipt: text(p.TransactionReceipt) ?? (r.transactionId || undefined),
    receiverPartyPublicName: text(p.ReceiverPartyPublicName),
    completedAt: text(p.TransactionCompletedDateTime), // "dd.MM.yyyy HH:mm:ss" EAT: see parseEatDotted
    utilityAccountAvailableFunds: num(p.B2CUtilityAccountAvailableFunds),
    workingAccountAvailableFunds: num(p.B2CWorkingAccountAvailableFunds),
    chargesPaidAccountAvailableFunds: num(p.B2CChargesPaidAccountAvailableFunds),
    recipientIsRegistered:
      p.B2CRecipientIsRegisteredCustomer === undefined ? undefined : p.B2CRecipientIsRegisteredCustomer === "Y",
  };
}

export function parseTransactionStatusResult(body: unknown) {
  const r = parseResult(body, "Transaction Status result");
  const p = r.parameters;
  return {
    ...r,
    receiptNo: text(p.ReceiptNo),
    transactionStatus: text(p.TransactionStatus), // e.g. "Completed"
    amount: num(p.Amount),
    debitPartyName: text(p.DebitPartyName),
    creditPartyName: text(p.CreditPartyName),
    initiatedTime: text(p.InitiatedTime),
    finalisedTime: text(p.FinalisedTime),
    reasonType: text(p.ReasonType),
  };
}

export function parseReversalResult(body: unknown) {
  const r = parseResult(body, "Reversal result");
  const p = r.parameters;
  return {
    ...r,
    amount: num(p.Amount),
    originalTransactionId: text(p.OriginalTransactionID),
    completedTime: text(p.TransCompletedTime),
    charge: num(p.Charge),
    creditPartyPublicName: text(p.CreditPartyPublicName),
    debitPartyPublicName: text(p.DebitPartyPublicName),
    debitAccountBalance: text(p.DebitAccountBalance) ? parseBalanceString(text(p.DebitAccountBalance)!) : [],
  };
}

export interface AccountBalanceEntry {
  name: string;
  currency: string;
  available: number;
  uncleared?: number;
  reserved?: number;
  /** Columns after "Reserved" are only loosely documented; kept raw. */
  extra: string[];
}

/** "Working Account|KES|700000.00|700000.00|0.00|0.00&Utility Account|KES|…" → accounts. */
export function parseBalanceString(value: string): AccountBalanceEntry[] {
  return value
    .split("&")
    .map((s) => s.trim())
    .filter(Boolean)
    .map((account) => {
      const [name, currency, available, uncleared, reserved, ...extra] = account.split("|").map((f) => f.trim());
      const availableN = Number(available);
      if (!name || !currency || available === undefined || !Number.isFinite(availableN)) {
        throw new MalformedPayloadError("account balance", [`cannot read "${account}" as Name|Currency|Available|…`]);
      }
      const opt = (f?: string) => (f === undefined || f === "" || !Number.isFinite(Number(f)) ? undefined : Number(f));
      return { name, currency, available: availableN, uncleared: opt(uncleared), reserved: opt(reserved), extra };
    });
}

export function parseAccountBalanceResult(body: unknown) {
  const r = parseResult(body, "Account Balance result");
  const raw = text(r.parameters.AccountBalance);
  return {
    ...r,
    accounts: raw ? parseBalanceString(raw) : [], // absent on failures
    completedTime: text(r.parameters.BOCompletedTime),
  };
}
