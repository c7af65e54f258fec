import {
  createDarajaClient,
  reasonOf5000011001,
  DarajaAuthError,
  DarajaError,
  DarajaNetworkError,
  DarajaTimeoutError,
  InMemoryTokenStore,
} from "../daraja";
import type { DarajaEnvironment } from "./config.server";

// "Test connection": can these keys get an OAuth token in the chosen environment? When the chosen
// environment refuses them we ask the other one, because keys pasted from the wrong tab of the
// Daraja portal are the most common setup mistake and "wrong key" alone would send the merchant
// hunting for a typo.

/** The account form's fields a failed test can point at (marked on the form, the first one focused). */
export type ConnectionField = "environment" | "consumerKey" | "consumerSecret" | "businessShortCode" | "passkey";

export type ConnectionResult =
  | { ok: true; environment: DarajaEnvironment; message: string; notes?: string[] }
  | {
      ok: false;
      reason:
        | "wrong_credentials"
        | "other_environment"
        | "unreachable"
        | "timeout"
        | "unexpected"
        | "shortcode_passkey_mismatch";
      message: string;
      /** What to fix, per field, in a few words; absent when no field is at fault (Daraja unreachable). */
      fields?: Partial<Record<ConnectionField, string>>;
    };

/**
 * The account's shortcode and passkey, checked after the keys with an STK Push Query for a checkout
 * that cannot exist: Daraja checks the password (base64 of shortcode + passkey + timestamp) before the
 * CheckoutRequestID, so "Invalid CheckoutRequestID" means the pair is right and "Merchant does not
 * exist" / "Wrong credentials" that it is not. Harmless: a query moves no money and prompts no one.
 */
export type ShortcodeProbe = {
  kind: "paybill" | "till";
  businessShortCode: string;
  passkey: string;
  tillNumber: string | null;
};

/** A CheckoutRequestID in Daraja's shape that no push ever gets (all zeros). */
export const PROBE_CHECKOUT_REQUEST_ID = "ws_CO_000000000000000000000000";

export type ConnectionTestInput = {
  environment: DarajaEnvironment;
  consumerKey: string;
  consumerSecret: string;
  baseUrls: Record<DarajaEnvironment, string>;
  timeoutMs: number;
  fetch?: typeof fetch;
  probe?: ShortcodeProbe;
};

const other = (e: DarajaEnvironment): DarajaEnvironment => (e === "sandbox" ? "production" : "sandbox");

// A fresh store per test, remembering only within it: "Test connection" must ask Daraja every time,
// never answer from a token cached for these same credentials (the shortcode check reuses the token
// this test just fetched).
const clients = new WeakMap<ConnectionTestInput, Map<DarajaEnvironment, ReturnType<typeof createDarajaClient>>>();
function clientFor(input: ConnectionTestInput, environment: DarajaEnvironment) {
  const mine = clients.get(input) ?? new Map();
  clients.set(input, mine);
  let client = mine.get(environment);
  if (!client) {
    client = createDarajaClient({
      baseUrl: input.baseUrls[environment],
      consumerKey: input.consumerKey,
      consumerSecret: input.consumerSecret,
      timeoutMs: input.timeoutMs,
      tokenStore: new InMemoryTokenStore(),
      ...(input.fetch ? { fetch: input.fetch } : {}),
    });
    mine.set(environment, client);
  }
  return client;
}

async function fetchToken(input: ConnectionTestInput, environment: DarajaEnvironment): Promise<unknown> {
  const client = clientFor(input, environment);
  try {
    await client.getAccessToken();
    return null;
  } catch (error) {
    return error;
  }
}

export async function testDarajaConnection(input: ConnectionTestInput): Promise<ConnectionResult> {
  const env = input.environment;
  const error = await fetchToken(input, env);
  if (error === null) {
    const connected = { ok: true as const, environment: env, message: `Connected: Daraja ${env} accepted these keys.` };
    return input.probe ? probeShortcode(input, input.probe, connected) : connected;
  }
  if (error instanceof DarajaAuthError) {
    const alt = other(env);
    if (input.baseUrls[alt] !== input.baseUrls[env] && (await fetchToken(input, alt)) === null) {
      return {
        ok: false,
        reason: "other_environment",
        message: `These are ${alt} keys: Daraja ${alt} accepted them, ${env} refused them. Choose "${alt}" or paste your ${env} keys.`,
        fields: { environment: `These keys are for ${alt}: choose ${alt}, or paste your ${env} keys.` },
      };
    }
    return {
      ok: false,
      reason: "wrong_credentials",
      message: `Daraja ${env} refused this consumer key and secret. Check both on your app's page in the Daraja portal.`,
      fields: {
        consumerKey: `Daraja ${env} refused this key with the secret below.`,
        consumerSecret: "Check it against your app's page in the Daraja portal.",
      },
    };
  }
  if (error instanceof DarajaTimeoutError) {
    return {
      ok: false,
      reason: "timeout",
      message: `Daraja ${env} did not answer within ${Math.round(input.timeoutMs / 1000)} seconds. Try again in a few minutes.`,
    };
  }
  if (error instanceof DarajaNetworkError) {
    return {
      ok: false,
      reason: "unreachable",
      message: `Could not reach Daraja ${env} (${new URL(input.baseUrls[env]).host}): ${error.errorMessage}.`,
    };
  }
  if (error instanceof DarajaError) {
    // Daraja's own envelope (errorCode) is worth showing; a proxy's HTML error page is not.
    const detail = error.errorCode ? `${error.errorCode} ${error.errorMessage}` : `HTTP ${error.httpStatus ?? "?"}`;
    return {
      ok: false,
      reason: "unexpected",
      message: `Daraja ${env} answered with an error (${detail}). It may be temporarily unavailable: try again later.`,
    };
  }
  throw error;
}

const numberName = (p: ShortcodeProbe) =>
  p.kind === "till" ? `store number ${p.businessShortCode}` : `paybill ${p.businessShortCode}`;

async function probeShortcode(
  input: ConnectionTestInput,
  probe: ShortcodeProbe,
  connected: { ok: true; environment: DarajaEnvironment; message: string },
): Promise<ConnectionResult> {
  const env = input.environment;
  const tillNote =
    probe.kind === "till"
      ? `Payments go to till ${probe.tillNumber} as Buy Goods (CustomerBuyGoodsOnline), with store ${probe.businessShortCode} as the business shortcode. Whether the till belongs to that store only shows on a real payment: one that fails with "SFC_IC0003 The operator does not exist" means the till number is not a till of this store.`
      : `Payments go to paybill ${probe.businessShortCode} (CustomerPayBillOnline).`;
  try {
    await clientFor(input, env).stkQuery({
      businessShortCode: probe.businessShortCode,
      passkey: probe.passkey,
      checkoutRequestId: PROBE_CHECKOUT_REQUEST_ID,
    });
  } catch (error) {
    if (
      error instanceof DarajaError &&
      error.errorCode === "400.002.02" &&
      /CheckoutRequestID/i.test(error.errorMessage)
    ) {
      return {
        ...connected,
        message: `Connected: Daraja ${env} accepted these keys, and ${numberName(probe)} with this passkey.`,
        notes: [tillNote],
      };
    }
    if (error instanceof DarajaError && error.errorCode === "500.001.1001") {
      const reason = reasonOf5000011001(error.errorMessage);
      if (reason === "wrong_credentials" || reason === "merchant_missing") {
        const what = reason === "merchant_missing" ? "does not know this shortcode" : "refused this passkey for it";
        const hint =
          probe.kind === "till"
            ? `For a till, the store number is the head-office or store shortcode you went live with — the one Safaricom sent the passkey for — not the till number customers pay (hierarchy: head office → store → till).`
            : `Check the paybill number and the passkey Safaricom emailed for it after Go-Live.`;
        const number =
          probe.kind === "till"
            ? "Use the store (head-office) number the passkey was sent for, not the till."
            : "Check the paybill number.";
        return {
          ok: false,
          reason: "shortcode_passkey_mismatch",
          message: `The keys work, but Daraja ${env} ${what}: ${numberName(probe)} (${error.errorMessage}). ${hint}`,
          fields:
            reason === "merchant_missing"
              ? { businessShortCode: `Daraja ${env} does not know this number. ${number}` }
              : { passkey: `Daraja ${env} refused this passkey for ${numberName(probe)}: check both.` },
        };
      }
    }
    const detail =
      error instanceof DarajaError ? `${error.errorCode ?? ""} ${error.errorMessage}`.trim() : String(error);
    return {
      ...connected,
      message: `${connected.message} The shortcode and passkey could not be checked (${detail}).`,
      notes: [tillNote],
    };
  }
  // A query answered for a checkout that cannot exist: the pair is accepted all the same.
  return {
    ...connected,
    message: `Connected: Daraja ${env} accepted these keys, and ${numberName(probe)} with this passkey.`,
    notes: [tillNote],
  };
}
