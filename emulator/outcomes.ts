// How a request ends. STK outcomes come from the phone number's last four digits (docs/ARCHITECTURE.md)
// unless a control call forced the next one.

export type StkDelivery = "normal" | "twice" | "late" | "none";
export type StkOutcome = {
  resultCode: number | string;
  resultDesc: string;
  delivery: StkDelivery;
  timeout: boolean;
  /** After its (failure) callback, the customer pays the same prompt anyway: money moves, a success follows. */
  paidLater?: true;
};

export const STK_OUTCOMES = {
  success: {
    resultCode: 0,
    resultDesc: "The service request is processed successfully.",
    delivery: "normal",
    timeout: false,
  },
  cancelled: { resultCode: 1032, resultDesc: "Request cancelled by user", delivery: "normal", timeout: false },
  // The callback says "DS timeout…"; the query on the sandbox said "No response from user." (§2.3, §7).
  timeout: { resultCode: 1037, resultDesc: "DS timeout user cannot be reached", delivery: "normal", timeout: true },
  insufficient_funds: {
    resultCode: 1,
    resultDesc: "The balance is insufficient for the transaction.",
    delivery: "normal",
    timeout: false,
  },
  wrong_pin: {
    resultCode: 2001,
    resultDesc: "The initiator information is invalid.",
    delivery: "normal",
    timeout: false,
  },
  expired: { resultCode: 1019, resultDesc: "Transaction has expired.", delivery: "normal", timeout: false },
  rule_limited: { resultCode: 17, resultDesc: "Rule limited.", delivery: "normal", timeout: false },
  duplicate_callback: {
    resultCode: 0,
    resultDesc: "The service request is processed successfully.",
    delivery: "twice",
    timeout: false,
  },
  late_callback: {
    resultCode: 0,
    resultDesc: "The service request is processed successfully.",
    delivery: "late",
    timeout: false,
  },
  // 1037 is "pending / unknown", not "no money" (docs/DARAJA.md §6.2): the prompt reached the phone
  // late and the customer paid it after the timeout callback. The query then says "0" and a success
  // callback follows `lateCallbackDelayMs` later — a shopper who retried in between pays twice.
  timeout_then_paid: {
    resultCode: 1037,
    resultDesc: "DS timeout user cannot be reached",
    delivery: "normal",
    timeout: true,
    paidLater: true,
  },
  no_callback: {
    resultCode: 0,
    resultDesc: "The service request is processed successfully.",
    delivery: "none",
    timeout: false,
  },
  // TransactionType / PartyB do not fit the shortcode (the till/store mix-up, §6.2): accepted, then this
  // callback once the customer has answered the prompt; no money moves.
  operator_missing: {
    resultCode: "SFC_IC0003",
    resultDesc: "The operator does not exist.",
    delivery: "normal",
    timeout: false,
  },
} satisfies Record<string, StkOutcome>;

export type StkOutcomeName = keyof typeof STK_OUTCOMES;

const BY_LAST_FOUR: Record<string, StkOutcomeName> = {
  "0032": "cancelled",
  "0037": "timeout",
  "0001": "insufficient_funds",
  "2001": "wrong_pin",
  "1019": "expired",
  "0017": "rule_limited",
  "0002": "duplicate_callback",
  "0003": "late_callback",
  "0004": "no_callback",
  "0038": "timeout_then_paid",
};

/** The public sandbox test MSISDN is not a reachable handset: pushes to it end in 1037 (§7). */
export const SANDBOX_TEST_MSISDN = "254708374149";

export function stkOutcomeForPhone(phone: string): StkOutcome {
  if (phone === SANDBOX_TEST_MSISDN) return STK_OUTCOMES.timeout;
  return STK_OUTCOMES[BY_LAST_FOUR[phone.slice(-4)] ?? "success"];
}

export type InitiatorApi = "b2c" | "reversal" | "status" | "balance";

/** Set through the control API: applies to the next request of that API, then is consumed. */
export type ForcedOutcome =
  | { api: "stk"; outcome?: StkOutcomeName; resultCode?: number | string; resultDesc?: string; delivery?: StkDelivery }
  | {
      api: InitiatorApi;
      queueTimeout?: boolean;
      resultCode?: number | string;
      resultDesc?: string;
      /** The Result (or QueueTimeout) is posted twice, or never (the money still moves). */
      delivery?: "normal" | "twice" | "none";
    };

export function parseForcedOutcome(input: unknown): ForcedOutcome {
  const o = (input ?? {}) as Record<string, unknown>;
  const apis = ["stk", "b2c", "reversal", "status", "balance"];
  if (typeof o.api !== "string" || !apis.includes(o.api)) throw new Error(`api must be one of ${apis.join(", ")}`);
  if (o.api === "stk" && o.outcome !== undefined && !(String(o.outcome) in STK_OUTCOMES)) {
    throw new Error(`outcome must be one of ${Object.keys(STK_OUTCOMES).join(", ")}`);
  }
  return o as ForcedOutcome;
}

export function resolveStkOutcome(forced: ForcedOutcome | undefined, phone: string): StkOutcome {
  if (!forced || forced.api !== "stk") return stkOutcomeForPhone(phone);
  const base = forced.outcome ? STK_OUTCOMES[forced.outcome] : STK_OUTCOMES.success;
  const resultCode = forced.resultCode ?? base.resultCode;
  return {
    resultCode,
    resultDesc: forced.resultDesc ?? (forced.resultCode !== undefined ? descFor(resultCode) : base.resultDesc),
    delivery: forced.delivery ?? base.delivery,
    timeout: String(resultCode) === "1037",
  };
}

function descFor(code: number | string): string {
  const known = Object.values(STK_OUTCOMES).find((o) => String(o.resultCode) === String(code));
  return known?.resultDesc ?? "The transaction has failed.";
}

/** Removes and returns the first forced outcome for this API. */
export function takeForced(queue: ForcedOutcome[], api: ForcedOutcome["api"]): ForcedOutcome | undefined {
  const i = queue.findIndex((f) => f.api === api);
  return i < 0 ? undefined : queue.splice(i, 1)[0];
}
