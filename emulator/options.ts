// Emulator options and their defaults (documented in README.md).

export type Credential = { consumerKey: string; consumerSecret: string };
export type ShortcodeConfig = { shortCode: string | number; passkey: string };
/** A Buy Goods till and the store (head-office) shortcode it belongs to: hierarchy head office → store → till. */
export type TillConfig = { tillNumber: string | number; storeNumber: string | number };
export type Balances = { working: number; utility: number; charges: number };

export type EmulatorOptions = {
  port?: number;
  host?: string;
  seed?: number;
  /** Added to every Daraja response (not the control API): benchmarks model network + gateway time. */
  latencyMs?: number;
  /** Delay before a callback / Result is POSTed. */
  callbackDelayMs?: number;
  /** Extra random delay (0..jitter, seeded) on top of callbackDelayMs; the CLI uses it for "1–3 s". */
  callbackJitterMs?: number;
  /** When a 1037 (no response from user) outcome resolves; defaults to callbackDelayMs. */
  stkTimeoutDelayMs?: number;
  /** Delay of the "late callback" outcome (phone ending 0003). */
  lateCallbackDelayMs?: number;
  credentials?: Credential[];
  shortcodes?: ShortcodeConfig[];
  /** Buy Goods tills, each under a store shortcode (which holds the passkey). */
  tills?: TillConfig[];
  /**
   * C2B Register URL product per shortcode: a shortcode listed here answers "no apiproduct match" on
   * the other version's registerurl (Safaricom moves merchants between v1 and v2). Unlisted: both work.
   */
  c2bVersions?: Record<string, "v1" | "v2">;
  tokenTtlSeconds?: number;
  /** Requests per second (sliding 1 s window) above which Daraja answers 500.003.02. Off when unset. */
  spikeArrestPerSecond?: number;
  /** Unconfirmed in Daraja (§2.4); off (any skew accepted) unless set. */
  maxTimestampSkewSeconds?: number;
  /**
   * Enforce the documented text limits of STK Push (AccountReference ≤ 12, TransactionDesc ≤ 13) with
   * 400.002.02. Off by default: Daraja was seen accepting longer values (README "Observed, not documented").
   */
  strictFieldLengths?: boolean;
  /** Unconfirmed whether issuing a token revokes the previous one (§1); off unless set. */
  revokePreviousTokens?: boolean;
  /** Optional Daraja rules, both off by default so that tests repeating a push are not surprised. */
  rules?: Partial<Rules>;
  initialBalances?: Partial<Balances>;
  /**
   * Reversals of transactions older than this fail (R000002, "outside the reversal window").
   * Safaricom publishes no window for the Reversal API (unconfirmed); 24 h is the app's default.
   */
  reversalWindowMs?: number;
  /**
   * Initiator passwords by initiator name, checked in every SecurityCredential (decrypted with the
   * emulator's private key, initiator-key.ts). An initiator not listed has the public sandbox
   * initiator's password, `Safaricom999!*!`. A wrong one: Result 2001, no money moves.
   */
  initiators?: Record<string, string>;
  /**
   * After this many wrong SecurityCredentials in a row, an initiator is locked: every later request of
   * it answers Result 8006 "The security credential is locked." until reset(). Off when unset; how
   * many failures Daraja allows is unpublished.
   */
  initiatorLockAfter?: number;
  pullPageSize?: number;
  callbackTimeoutMs?: number;
  /** How long M-PESA waits for a C2B ValidationURL answer before applying ResponseType (~8 s, §3.2). */
  c2bValidationTimeoutMs?: number;
  /** Injectable clock (ms since epoch) for token expiry, timestamps and the 48 h Pull window. */
  now?: () => number;
};

export type Rules = {
  /** Result 17 "Rule limited": same amount to the same phone within 2 minutes (§2.5). */
  sameAmountWithin2Minutes: boolean;
  /** 500.001.1001 "Unable to lock subscriber" while the phone already has a pending push (§2.1). */
  subscriberLock: boolean;
};

/** The emulator's own Buy Goods till, under the sandbox store 174379 (Daraja's sandbox documents no till). */
export const EMULATOR_TILL = "174380";

export const SANDBOX_PASSKEY = "bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919";

export const DEFAULT_CREDENTIALS: Credential = {
  consumerKey: "emulator-consumer-key",
  consumerSecret: "emulator-consumer-secret",
};

export type Resolved = Required<
  Omit<
    EmulatorOptions,
    | "port"
    | "host"
    | "maxTimestampSkewSeconds"
    | "spikeArrestPerSecond"
    | "rules"
    | "initialBalances"
    | "initiatorLockAfter"
  >
> & {
  initiatorLockAfter?: number;
  maxTimestampSkewSeconds?: number;
  spikeArrestPerSecond?: number;
  rules: Rules;
  initialBalances: Balances;
};

export function resolveOptions(o: EmulatorOptions): Resolved {
  const callbackDelayMs = o.callbackDelayMs ?? 1000;
  return {
    seed: o.seed ?? 1,
    latencyMs: o.latencyMs ?? 0,
    callbackDelayMs,
    callbackJitterMs: o.callbackJitterMs ?? 0,
    stkTimeoutDelayMs: o.stkTimeoutDelayMs ?? callbackDelayMs,
    lateCallbackDelayMs: o.lateCallbackDelayMs ?? 60_000,
    credentials: o.credentials ?? [DEFAULT_CREDENTIALS],
    shortcodes: o.shortcodes ?? [{ shortCode: "174379", passkey: SANDBOX_PASSKEY }],
    tills: o.tills ?? [{ tillNumber: EMULATOR_TILL, storeNumber: "174379" }],
    c2bVersions: o.c2bVersions ?? {},
    tokenTtlSeconds: o.tokenTtlSeconds ?? 3600,
    spikeArrestPerSecond: o.spikeArrestPerSecond,
    maxTimestampSkewSeconds: o.maxTimestampSkewSeconds,
    revokePreviousTokens: o.revokePreviousTokens ?? false,
    strictFieldLengths: o.strictFieldLengths ?? false,
    rules: { sameAmountWithin2Minutes: false, subscriberLock: false, ...o.rules },
    initialBalances: { working: 100_000, utility: 250_000, charges: 0, ...o.initialBalances },
    reversalWindowMs: o.reversalWindowMs ?? 24 * 3600_000,
    initiators: { ...o.initiators },
    initiatorLockAfter: o.initiatorLockAfter,
    pullPageSize: o.pullPageSize ?? 100,
    callbackTimeoutMs: o.callbackTimeoutMs ?? 10_000,
    c2bValidationTimeoutMs: o.c2bValidationTimeoutMs ?? 8_000,
    now: o.now ?? Date.now,
  };
}
