// Everything the emulator remembers between requests. One object, rebuilt by reset().
import { createDispatcher, type Dispatcher } from "./callbacks";
import type { Balances, Resolved } from "./options";
import { createIds, createRng, type Ids, type Rng } from "./rng";
import type { ForcedOutcome } from "./outcomes";
import type { Settlement } from "./statement";

export type StkTxn = {
  merchantRequestId: string;
  checkoutRequestId: string;
  shortCode: string;
  partyB: string;
  phone: string;
  amount: number;
  accountReference?: string;
  createdAt: number;
  /** Set when M-PESA has a final answer; until then the query says "being processed". */
  final?: { resultCode: number | string; resultDesc: string; receipt?: string; at: number };
};

/** A completed money movement, findable by receipt (Transaction Status, Reversal, Pull). */
export type LedgerEntry = {
  receipt: string;
  kind: "stk" | "c2b" | "b2c" | "reversal";
  shortCode: string;
  msisdn: string;
  amount: number;
  at: number;
  billRef?: string;
  transactionType?: "Pay Bill" | "Buy Goods";
  firstName?: string;
  conversationId?: string;
  originatorConversationId?: string;
  reversedBy?: string;
};

/** How Pull Transactions answers (the forms seen in the field; docs/RECONCILIATION.md). */
export type PullQuirks = {
  /** Register answer key: "ResponseStatus" (the API) or "Response Status" (the docs table's spelling). */
  registerSpelling: "ResponseStatus" | "Response Status";
  /** No rows: the sandbox's 1001 body, or the portal's `"Transaction": "[[]]"`. */
  emptyForm: "sandbox" | "portal";
  /** Rows as a nested array (the docs) or the same nested array as a JSON string. */
  rowsAsString: boolean;
  /** The next N queries fail with HTTP 200 and a non-success ResponseCode (Daraja's 200-failures). */
  failNext: number;
  /** Every page repeats the last row of the page before it (duplicates across pages). */
  overlapPages: boolean;
  /** After this many pages served, every issued token stops working once (expiry mid-pagination). */
  expireTokensAfterPages: number | null;
};

export const DEFAULT_PULL_QUIRKS: PullQuirks = {
  registerSpelling: "ResponseStatus",
  emptyForm: "sandbox",
  rowsAsString: false,
  failNext: 0,
  overlapPages: false,
  expireTokensAfterPages: null,
};

export type C2bRegistration = {
  version: "v1" | "v2";
  responseType: "Completed" | "Cancelled";
  confirmationUrl: string;
  validationUrl?: string;
};

export type RequestRecord = {
  id: number;
  at: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
  status?: number;
  response?: unknown;
};

export type EndpointBehaviour = { latencyMs: number; failTimes: number; failStatus: 500 | 503 };

export type Stats = {
  oauthRequests: number;
  tokensIssued: number;
  rejectedWrongPassword: number;
  /** Initiator API requests whose SecurityCredential was wrong or locked (Result 2001 / 8006). */
  rejectedInitiatorCredential: number;
  rejectedInvalidTimestamp: number;
  rejectedInvalidToken: number;
  /** pushes accepted although a text field was over its documented length (see strictFieldLengths) */
  acceptedOverDocumentedLength: number;
  spikeArrests: number;
  perEndpoint: Record<string, number>;
};

export type State = ReturnType<typeof createState>;

export function createState(opts: Resolved) {
  const rng: Rng = createRng(opts.seed);
  const ids: Ids = createIds(rng);
  const dispatcher: Dispatcher = createDispatcher({ timeoutMs: opts.callbackTimeoutMs, now: opts.now });
  const accounts = new Map<string, Balances>();
  return {
    opts,
    rng,
    ids,
    dispatcher,
    now: opts.now,
    rules: { ...opts.rules },
    tokens: new Map<string, { consumerKey: string; expiresAt: number }>(),
    passkeys: new Map(opts.shortcodes.map((s) => [String(s.shortCode), s.passkey])),
    /** till number → its store shortcode */
    tills: new Map(opts.tills.map((t) => [String(t.tillNumber), String(t.storeNumber)])),
    /** shortcode → the only C2B Register URL version its app product allows (absent: both) */
    c2bVersions: new Map(Object.entries(opts.c2bVersions)),
    stk: new Map<string, StkTxn>(),
    ledger: new Map<string, LedgerEntry>(),
    /** OriginatorConversationID / ConversationID → receipt, for Transaction Status by conversation. */
    conversations: new Map<string, string | null>(),
    c2b: new Map<string, C2bRegistration>(),
    c2bValidationEnabled: new Set<string>(),
    /** Shortcodes whose successful STK payments are also reported as C2B confirmations (§10.3). */
    c2bEchoStk: new Set<string>(),
    pull: new Map<string, { nominatedNumber: string; callbackUrl: string }>(),
    /** Pull Transactions answer shapes and faults (control `setPullQuirks`, emulator/README.md). */
    pullQuirks: { ...DEFAULT_PULL_QUIRKS } as PullQuirks,
    pullPagesServed: 0,
    /** Sweeps of a Utility Account to the organisation's settlement account (statement rows). */
    settlements: [] as Settlement[],
    forced: [] as ForcedOutcome[],
    /** Wrong SecurityCredentials in a row, by initiator name (option initiatorLockAfter). */
    initiatorFailures: new Map<string, number>(),
    endpoints: new Map<string, EndpointBehaviour>(),
    requests: [] as RequestRecord[],
    requestSeq: 0,
    arrivals: [] as number[], // spike-arrest window
    stats: {
      oauthRequests: 0,
      tokensIssued: 0,
      rejectedWrongPassword: 0,
      rejectedInitiatorCredential: 0,
      rejectedInvalidTimestamp: 0,
      rejectedInvalidToken: 0,
      acceptedOverDocumentedLength: 0,
      spikeArrests: 0,
      perEndpoint: {},
    } as Stats,
    /** The org's accounts, created on first use with the configured opening balances. */
    account(shortCode: string): Balances {
      let a = accounts.get(shortCode);
      if (!a) accounts.set(shortCode, (a = { ...opts.initialBalances }));
      return a;
    },
    /** Callback delay with seeded jitter. */
    delay(base = opts.callbackDelayMs): number {
      return base + (opts.callbackJitterMs ? rng.int(opts.callbackJitterMs + 1) : 0);
    },
  };
}
