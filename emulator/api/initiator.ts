// Initiator APIs (§2 cont., §2.6–2.9): B2C, Reversal, Transaction Status, Account Balance. Each is
// acknowledged at once, then a Result goes to ResultURL — or, if the request "expires in M-PESA's
// queue" (forced through the control API), a notification to QueueTimeOutURL and no money moves.
import { Codes, ok, type Reply } from "../reply";
import { takeForced, type InitiatorApi } from "../outcomes";
import type { LedgerEntry, State } from "../state";
import { eatDate, eatDotted, eatStamp } from "../time";
import * as v from "../validate";
import type { ApiContext } from "./context";
import { decryptSecurityCredential, SANDBOX_INITIATOR_PASSWORD } from "./security-credential";

type Param = { Key: string; Value?: unknown };
type Outcome = { code: number | string; desc: string; params?: Param[] | Param; transactionId?: string };

const SUCCESS_DESC = "The service request is processed successfully.";
// The Result's ReferenceData as the docs sample shows it: a single object, not an array.
const REFERENCE = {
  ReferenceItem: {
    Key: "QueueTimeoutURL",
    Value: "https://internalsandbox.safaricom.co.ke/mpesa/b2cresults/v1/submit",
  },
};

/**
 * Common to all four: acknowledge, then deliver Result or QueueTimeout after the callback delay. A
 * `refusal` (the initiator check failed) is the Result instead of `process`: no money moves.
 */
function accept(
  state: State,
  api: InitiatorApi,
  urls: { result: string; timeout: string },
  originatorConversationId: string,
  refusal: Outcome | null,
  process: (conversationId: string) => Outcome,
): Reply {
  const conversationId = state.ids.conversationId(eatDate(state.now()));
  const forced = takeForced(state.forced, api);
  const delivery = forced && "delivery" in forced ? (forced.delivery ?? "normal") : "normal";
  // "twice": the same message again (duplicates reach handlers in the field); "none": never posted.
  const deliver = (kind: string, url: string, body: unknown) => {
    if (delivery === "none") return;
    const first = state.dispatcher.post(kind, url, body);
    return delivery === "twice" ? first.then(() => state.dispatcher.post(kind, url, body)) : first;
  };
  state.dispatcher.later(state.delay(), () => {
    const base = { OriginatorConversationID: originatorConversationId, ConversationID: conversationId };
    if (forced && "queueTimeout" in forced && forced.queueTimeout) {
      // UNCONFIRMED shape (§2 cont.): Safaricom publishes no sample; community handlers expect this envelope.
      return deliver(`${api}:timeout`, urls.timeout, {
        Result: {
          ResultType: 0,
          ResultCode: 1037,
          ResultDesc: "The service request has timed out.",
          ...base,
          TransactionID: "",
        },
      });
    }
    const outcome: Outcome =
      forced?.resultCode !== undefined
        ? { code: forced.resultCode, desc: forced.resultDesc ?? "The service request has failed." }
        : (refusal ?? process(conversationId));
    const result: Record<string, unknown> = {
      ResultType: 0,
      ResultCode: outcome.code,
      ResultDesc: outcome.desc,
      ...base,
      TransactionID: outcome.transactionId ?? state.ids.receipt(),
    };
    if (outcome.params) result.ResultParameters = { ResultParameter: outcome.params };
    result.ReferenceData = REFERENCE;
    return deliver(`${api}:result`, urls.result, { Result: result });
  });
  state.conversations.set(conversationId, null);
  return ok({
    OriginatorConversationID: originatorConversationId,
    ConversationID: conversationId,
    ResponseCode: "0",
    ResponseDescription: "Accept the service request successfully.",
  });
}

function resultUrls(body: v.Body) {
  return { timeout: v.url(body, "QueueTimeOutURL")!, result: v.url(body, "ResultURL")! };
}

type InitiatorFields = { name: string; credential: string };

/** Validated in the docs' field order; checked (below) only once the whole request is valid. */
function initiatorFields(body: v.Body, nameField: "InitiatorName" | "Initiator"): InitiatorFields {
  const name = v.text(body, nameField, { max: 100, required: true })!;
  const credential = v.text(body, "SecurityCredential", { max: 1024, required: true })!;
  return { name, credential };
}

/**
 * The initiator check (docs/DARAJA.md §4, emulator/README.md "Initiator credentials"): the
 * SecurityCredential must decrypt, with the emulator's private key, to the initiator's password
 * (option `initiators`; any other initiator's is the sandbox's). Daraja acknowledges a bad one and
 * answers it in the Result: 2001, or 8006 once `initiatorLockAfter` failures in a row locked it.
 */
function checkInitiator(state: State, { name, credential }: InitiatorFields): Outcome | null {
  const lockAfter = state.opts.initiatorLockAfter;
  const failures = state.initiatorFailures.get(name) ?? 0;
  if (lockAfter !== undefined && failures >= lockAfter) {
    state.stats.rejectedInitiatorCredential++;
    return { code: 8006, desc: "The security credential is locked." };
  }
  const expected = state.opts.initiators[name] ?? SANDBOX_INITIATOR_PASSWORD;
  if (decryptSecurityCredential(credential) === expected) {
    state.initiatorFailures.delete(name);
    return null;
  }
  state.initiatorFailures.set(name, failures + 1);
  state.stats.rejectedInitiatorCredential++;
  return { code: 2001, desc: "The initiator information is invalid." };
}

const money = (n: number) => n.toFixed(2);

export function b2c(version: "v1" | "v3") {
  return ({ state, body }: ApiContext): Reply => {
    const originator =
      version === "v3" ? v.text(body, "OriginatorConversationID", { max: 100, required: true })! : undefined;
    const initiator = initiatorFields(body, "InitiatorName");
    v.oneOf(body, "CommandID", ["BusinessPayment", "SalaryPayment", "PromotionPayment"] as const);
    const amount = v.amount(body, "Amount", 10, 250_000);
    const partyA = v.shortCode(body, "PartyA");
    const partyB = v.msisdn(body, "PartyB");
    v.text(body, "Remarks", { min: 2, max: 100, required: true });
    const urls = resultUrls(body);
    // The docs spell it "Occassion"; the sandbox acknowledged both spellings [capture].
    v.text(body, body.Occassion !== undefined ? "Occassion" : "Occasion", { max: 100 });
    if (originator && state.conversations.has(originator)) throw Codes.duplicateOriginator();
    const originatorId = originator ?? state.ids.requestId();
    state.conversations.set(originatorId, null);

    return accept(state, "b2c", urls, originatorId, checkInitiator(state, initiator), (conversationId) => {
      // By the recipient's last four digits (emulator/README.md): not an M-PESA number, or unregistered.
      if (partyB.endsWith("9003")) return { code: "SFC_IC0003", desc: "The MSISDN does not exist on M-PESA." };
      if (partyB.endsWith("2040"))
        return {
          code: 2040,
          desc: "Credit Party customer type (Unregistered or Registered Customer) can't be supported by the service.",
          params: [{ Key: "B2CRecipientIsRegisteredCustomer", Value: "N" }],
        };
      const account = state.account(partyA);
      // Paid from the Utility account only (§2.6, gotcha 12).
      if (account.utility < amount) return { code: 1, desc: "The balance is insufficient for the transaction." };
      account.utility -= amount;
      const at = state.now();
      const receipt = state.ids.receipt();
      record(state, {
        receipt,
        kind: "b2c",
        shortCode: partyA,
        msisdn: partyB,
        amount,
        at,
        conversationId,
        originatorConversationId: originatorId,
      });
      return {
        code: 0,
        desc: SUCCESS_DESC,
        transactionId: receipt,
        params: [
          { Key: "TransactionAmount", Value: amount },
          { Key: "TransactionReceipt", Value: receipt },
          { Key: "B2CRecipientIsRegisteredCustomer", Value: "Y" },
          { Key: "B2CChargesPaidAccountAvailableFunds", Value: account.charges },
          { Key: "ReceiverPartyPublicName", Value: `${partyB} - JOHN DOE` },
          { Key: "TransactionCompletedDateTime", Value: eatDotted(at) },
          { Key: "B2CUtilityAccountAvailableFunds", Value: account.utility },
          { Key: "B2CWorkingAccountAvailableFunds", Value: account.working },
        ],
      };
    });
  };
}

export function reversal({ state, body }: ApiContext): Reply {
  const initiator = initiatorFields(body, "Initiator");
  v.oneOf(body, "CommandID", ["TransactionReversal"] as const);
  const transactionId = v.text(body, "TransactionID", { max: 20, required: true })!;
  v.amount(body, "Amount", 1, 250_000);
  const receiver = v.shortCode(body, "ReceiverParty");
  // "11" per current docs; very old docs used "4" (unconfirmed): both tolerated. Daraja's spelling first.
  const typeField = body.RecieverIdentifierType !== undefined ? "RecieverIdentifierType" : "ReceiverIdentifierType";
  if (!["11", "4"].includes(String(body[typeField]))) throw Codes.invalidField(typeField);
  const urls = resultUrls(body);
  v.text(body, "Remarks", { max: 100 });
  const originatorId = state.ids.requestId();

  return accept(state, "reversal", urls, originatorId, checkInitiator(state, initiator), (conversationId) => {
    const original = state.ledger.get(transactionId);
    // B2C cannot be reversed through the API (§2.6), so it is as unknown to this API as a bad receipt.
    if (!original || original.shortCode !== receiver || original.kind === "b2c" || original.kind === "reversal") {
      return { code: "R000002", desc: "The OriginalTransactionID is invalid." };
    }
    if (original.reversedBy) return { code: "R000001", desc: "The transaction has already been reversed." };
    // The window is an emulator option (Safaricom publishes none for the API; unconfirmed).
    if (state.now() - original.at > state.opts.reversalWindowMs)
      return { code: "R000002", desc: "The transaction is outside the reversal window." };
    const account = state.account(receiver);
    if (account.utility < original.amount) return { code: 1, desc: "The balance is insufficient for the transaction." };
    // All-or-nothing: the original amount moves back whatever Amount said (partial reversal undocumented).
    account.utility -= original.amount;
    const at = state.now();
    const receipt = state.ids.receipt();
    original.reversedBy = receipt;
    record(state, {
      receipt,
      kind: "reversal",
      shortCode: receiver,
      msisdn: original.msisdn,
      amount: original.amount,
      at,
      conversationId,
      originatorConversationId: originatorId,
    });
    return {
      code: 0,
      desc: SUCCESS_DESC,
      transactionId: receipt,
      params: [
        {
          Key: "DebitAccountBalance",
          Value: `Utility Account|KES|${money(account.utility)}|${money(account.utility)}|0.00|0.00`,
        },
        { Key: "Amount", Value: original.amount },
        { Key: "TransCompletedTime", Value: Number(eatStamp(at)) },
        { Key: "OriginalTransactionID", Value: original.receipt },
        { Key: "Charge", Value: 0 },
        { Key: "CreditPartyPublicName", Value: `${original.msisdn} - ${original.firstName ?? "JOHN"} DOE` },
        { Key: "DebitPartyPublicName", Value: `${receiver} - EMULATED MERCHANT` },
      ],
    };
  });
}

export function transactionStatus({ state, body }: ApiContext): Reply {
  // The Dec-2025 docs sample writes "Command ID" / "Transaction ID" (a typo); tolerated.
  for (const k of ["CommandID", "TransactionID"]) {
    const spaced = k.replace("ID", " ID");
    if (body[k] === undefined && body[spaced] !== undefined) body[k] = body[spaced];
  }
  const initiator = initiatorFields(body, "Initiator");
  v.oneOf(body, "CommandID", ["TransactionStatusQuery"] as const);
  const transactionId = v.text(body, "TransactionID", { max: 30 });
  // Current docs: OriginalConversationID; older: OriginatorConversationID. Each alone or both [capture].
  const conversation =
    v.text(body, "OriginalConversationID", { max: 100 }) ?? v.text(body, "OriginatorConversationID", { max: 100 });
  if (!transactionId && !conversation) throw Codes.invalidField("TransactionID");
  v.shortCode(body, "PartyA"); // validated; the answer depends on the receipt only (below)
  if (!["1", "2", "4"].includes(String(body.IdentifierType))) throw Codes.invalidField("IdentifierType");
  const urls = resultUrls(body);
  v.text(body, "Remarks", { max: 100 });
  const originatorId = state.ids.requestId();

  return accept(state, "status", urls, originatorId, checkInitiator(state, initiator), () => {
    const receipt = transactionId ?? (conversation ? state.conversations.get(conversation) : undefined);
    const entry = receipt ? state.ledger.get(receipt) : undefined;
    // Unknown to M-PESA: Daraja's real failure result (observed). A receipt of another organisation is
    // answered with its details, so the asker sees whose it is (CreditPartyName names the shortcode
    // paid): what Daraja does here is unconfirmed (emulator/README.md). A till's payments belong to
    // its store number too (PartyA of the query is the shortcode the merchant went live with).
    if (!entry) return { code: 2032, desc: "The transaction receipt number does not exist." };
    return { code: 0, desc: SUCCESS_DESC, transactionId: entry.receipt, params: statusParams(entry) };
  });
}

/** §2.8: all values strings. */
function statusParams(e: LedgerEntry): Param[] {
  const outgoing = e.kind === "b2c" || e.kind === "reversal";
  const customer = `${e.msisdn} - ${e.firstName ?? "JOHN"} DOE`;
  const org = `${e.shortCode} - EMULATED MERCHANT`;
  const stamp = eatStamp(e.at);
  return [
    { Key: "DebitPartyName", Value: outgoing ? org : customer },
    { Key: "CreditPartyName", Value: outgoing ? customer : org },
    { Key: "OriginatorConversationID", Value: e.originatorConversationId ?? "" },
    { Key: "InitiatedTime", Value: stamp },
    { Key: "DebitAccountType", Value: outgoing ? "Utility Account" : "MMF Account For Customer" },
    { Key: "DebitPartyCharges", Value: "" },
    { Key: "TransactionReason" },
    {
      Key: "ReasonType",
      Value:
        e.kind === "b2c"
          ? "Business Payment to Customer via API"
          : e.kind === "reversal"
            ? "Reversal"
            : "Pay Bill Online",
    },
    { Key: "TransactionStatus", Value: "Completed" },
    { Key: "FinalisedTime", Value: stamp },
    { Key: "Amount", Value: e.amount.toFixed(2) },
    { Key: "ConversationID", Value: e.conversationId ?? "" },
    { Key: "ReceiptNo", Value: e.receipt },
  ];
}

export function accountBalance({ state, body }: ApiContext): Reply {
  const initiator = initiatorFields(body, "Initiator");
  v.oneOf(body, "CommandID", ["AccountBalance"] as const);
  const partyA = v.shortCode(body, "PartyA");
  if (String(body.IdentifierType) !== "4") throw Codes.invalidField("IdentifierType");
  v.text(body, "Remarks", { max: 100 });
  const urls = resultUrls(body);
  const originatorId = state.ids.requestId();

  return accept(state, "balance", urls, originatorId, checkInitiator(state, initiator), () => {
    const a = state.account(partyA);
    const row = (name: string, n: number) => `${name}|KES|${money(n)}|${money(n)}|0.00|0.00`;
    return {
      code: 0,
      desc: SUCCESS_DESC,
      params: [
        {
          Key: "AccountBalance",
          Value: [
            row("Working Account", a.working),
            row("Utility Account", a.utility),
            row("Charges Paid Account", a.charges),
          ].join("&"),
        },
        { Key: "BOCompletedTime", Value: Number(eatStamp(state.now())) },
      ],
    };
  });
}

function record(state: State, entry: LedgerEntry) {
  state.ledger.set(entry.receipt, entry);
  if (entry.conversationId) state.conversations.set(entry.conversationId, entry.receipt);
  if (entry.originatorConversationId) state.conversations.set(entry.originatorConversationId, entry.receipt);
}
