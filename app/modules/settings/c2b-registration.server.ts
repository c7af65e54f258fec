import {
  c2bBannedWordIn,
  createDarajaClient,
  DarajaAuthError,
  DarajaError,
  DarajaNetworkError,
  DarajaRequestValidationError,
  DarajaTimeoutError,
  InMemoryTokenStore,
  isNoApiProductMatch,
  type DarajaClient,
} from "../daraja";
import { newCallbackToken } from "../daraja-events/common/callback-token.server";
import {
  c2bShortCode,
  claimC2bRegistration,
  openAccountSecret,
  recordC2bRegistration,
  type C2bVersion,
} from "./accounts.server";
import type { MpesaAccount } from "@prisma/client";
import type { AccountsDb } from "./accounts.server";
import { SecretDecryptionError, type SecretBox } from "./secret-box.server";

// Register URLs (C2B) for one receiving account, from the settings page. Daraja then posts every
// payment made to the shortcode by hand (M-PESA menu, paybill/till) to
//   <callback base>/daraja/c2b/<token>/confirmation   (and .../validation when validation is on)
// where <token> is new and unguessable per registration; only its SHA-256 is stored
// (MpesaAccount.c2bTokenHash, found again by findReceivingAccountByC2bTokenHash). Everything Daraja
// would refuse is checked before sending: the words it refuses in C2B URLs (docs/DARAJA.md §3.1),
// plain http in production. Its answers are put in words: the wrong API version ("no apiproduct
// match"), production's one-time registration ("already registered"), refused keys.

export const C2B_PATH = "/daraja/c2b";

export const UNREADABLE =
  "This account's consumer secret is stored but cannot be decrypted with the current key: edit the account and enter it again.";

/** The two URLs for a token. */
export function c2bUrls(callbackBaseUrl: string, token: string) {
  const base = `${callbackBaseUrl.replace(/\/+$/, "")}${C2B_PATH}/${token}`;
  return { confirmationUrl: `${base}/confirmation`, validationUrl: `${base}/validation` };
}

/** The URLs as the page may show them: the token is a secret, so it is elided. */
export const elidedC2bUrls = (callbackBaseUrl: string) => c2bUrls(callbackBaseUrl, "…");

/** Why the app's own address cannot carry C2B URLs (a word Daraja refuses, http in production), or null. */
export function c2bBaseUrlProblem(callbackBaseUrl: string, environment: "sandbox" | "production"): string | null {
  const word = c2bBannedWordIn(callbackBaseUrl);
  if (word) {
    return `This app's address (${callbackBaseUrl}) contains "${word}", a word Daraja refuses in C2B URLs (it also refuses M-PESA, mpesa, Safaricom, exe, exec, cmd, sql and query, in any case). Serve the app — or set CALLBACK_BASE_URL — at an address without these words.`;
  }
  if (environment === "production" && !callbackBaseUrl.startsWith("https://")) {
    return `Production Daraja only calls HTTPS addresses; this app's address (${callbackBaseUrl}) is not HTTPS.`;
  }
  return null;
}

export type RegisterDeps = {
  db: AccountsDb;
  box: SecretBox;
  callbackBaseUrl: string;
  baseUrl: string;
  timeoutMs: number;
  now?: () => Date;
  fetch?: typeof fetch;
  /** The shared client of these credentials (payments' token); absent: a client of its own. */
  client?: Pick<DarajaClient, "c2bRegisterUrl">;
};

export type RegisterOutcome =
  | { ok: true; message: string }
  | {
      ok: false;
      reason:
        | "url_refused"
        | "wrong_version"
        | "already_registered"
        | "wrong_credentials"
        | "unreachable"
        | "timeout"
        | "rejected"
        | "in_progress"
        | "unreadable_secret";
      message: string;
    };

const other = (v: C2bVersion): C2bVersion => (v === "v1" ? "v2" : "v1");

/** A token whose URLs contain no word Daraja refuses (a random token can spell "sql" or "exe"). */
function cleanToken(callbackBaseUrl: string) {
  for (;;) {
    const t = newCallbackToken();
    const urls = c2bUrls(callbackBaseUrl, t.token);
    if (!c2bBannedWordIn(urls.confirmationUrl) && !c2bBannedWordIn(urls.validationUrl)) return { ...t, urls };
  }
}

/** Registers the account's C2B URLs with its own Daraja app and records the outcome on the account. */
export async function registerC2bUrls(deps: RegisterDeps, account: MpesaAccount): Promise<RegisterOutcome> {
  const now = deps.now ?? (() => new Date());
  const environment = account.environment === "production" ? "production" : "sandbox";
  const version: C2bVersion = account.c2bVersion === "v1" ? "v1" : "v2";
  const shortCode = c2bShortCode(account);
  const fail = async (reason: Exclude<RegisterOutcome, { ok: true }>["reason"], message: string) => {
    await recordC2bRegistration(deps.db, account.shopDomain, account.id, { ok: false, at: now(), error: message });
    return { ok: false as const, reason, message };
  };

  const problem = c2bBaseUrlProblem(deps.callbackBaseUrl, environment);
  if (problem) return fail("url_refused", `Not sent to Daraja. ${problem}`);
  let client: Pick<DarajaClient, "c2bRegisterUrl">;
  try {
    client =
      deps.client ??
      createDarajaClient({
        baseUrl: deps.baseUrl,
        consumerKey: account.consumerKey,
        consumerSecret: openAccountSecret(deps.box, account, "consumerSecret"),
        timeoutMs: deps.timeoutMs,
        tokenStore: new InMemoryTokenStore(), // one call: no token worth sharing
        ...(deps.fetch ? { fetch: deps.fetch } : {}),
      });
  } catch (error) {
    if (!(error instanceof SecretDecryptionError)) throw error;
    return fail("unreadable_secret", UNREADABLE);
  }
  // Longer than any call may take (the client's timeout), so a crashed holder frees it soon after.
  if (!(await claimC2bRegistration(deps.db, account.shopDomain, account.id, now(), deps.timeoutMs * 2 + 5_000))) {
    return {
      ok: false,
      reason: "in_progress",
      message: "A registration of this account's URLs is already under way. Wait a moment, then reload the page.",
    };
  }

  const { hash, urls } = cleanToken(deps.callbackBaseUrl);
  try {
    await client.c2bRegisterUrl({
      version,
      shortCode,
      responseType: account.c2bResponseType === "Cancelled" ? "Cancelled" : "Completed",
      ...urls,
    });
  } catch (error) {
    return fail(...explain(error, { version, shortCode, environment }));
  }
  const elided = elidedC2bUrls(deps.callbackBaseUrl);
  await recordC2bRegistration(deps.db, account.shopDomain, account.id, {
    ok: true,
    at: now(),
    tokenHash: hash,
    version,
    shortCode,
    ...elided,
  });
  return {
    ok: true,
    message: `Registered: Daraja ${environment} will send payments to ${shortCode} to this app (C2B ${version}).`,
  };
}

type Failure = [Exclude<RegisterOutcome, { ok: true }>["reason"], string];

function explain(
  error: unknown,
  c: { version: C2bVersion; shortCode: string; environment: "sandbox" | "production" },
): Failure {
  if (isNoApiProductMatch(error)) {
    return [
      "wrong_version",
      `Daraja answered "no apiproduct match" for C2B ${c.version}: your Daraja app is not on the C2B ${c.version} Register URL product for this shortcode. Safaricom has moved merchants between v1 and v2 — choose ${other(c.version)} and register again. If both fail, add the C2B product to your app on the Daraja portal.`,
    ];
  }
  if (error instanceof DarajaAuthError) {
    return [
      "wrong_credentials",
      `Daraja ${c.environment} refused this account's consumer key and secret. Use Test connection to check them.`,
    ];
  }
  if (error instanceof DarajaRequestValidationError) {
    return ["url_refused", `Not sent to Daraja: ${error.errorMessage}.`];
  }
  if (error instanceof DarajaTimeoutError) {
    return ["timeout", `Daraja ${c.environment} did not answer in time. Try again in a few minutes.`];
  }
  if (error instanceof DarajaNetworkError) {
    return ["unreachable", `Could not reach Daraja ${c.environment}: ${error.errorMessage}.`];
  }
  if (error instanceof DarajaError) {
    const msg = error.errorMessage.toLowerCase();
    if (msg.includes("already registered") || msg.includes("duplicate notification")) {
      return [
        "already_registered",
        `Daraja says URLs are already registered for ${c.shortCode} (${error.errorMessage}). In production registration is one-time: delete the current URLs in the Daraja portal (Self Services → URL Management, approved by two M-PESA org-portal operators) or ask apisupport@safaricom.co.ke, then register again.`,
      ];
    }
    if (error.errorCode === "400.003.02") {
      return ["url_refused", `Daraja refused the URLs: ${error.errorMessage}.`];
    }
    const detail = error.errorCode ? `${error.errorCode} ${error.errorMessage}` : error.errorMessage;
    return ["rejected", `Daraja ${c.environment} refused the registration (${detail}).`];
  }
  throw error;
}
