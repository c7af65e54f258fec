import {
  createDarajaClient,
  DarajaAuthError,
  DarajaError,
  DarajaNetworkError,
  DarajaTimeoutError,
  type TokenStore,
} from "../daraja";
import type { DarajaEnvironment } from "./config.server";

// "Test connection": can these keys get an OAuth token in the chosen environment? When the chosen
// environment refuses them we ask the other one, because keys pasted from the wrong tab of the
// Daraja portal are the most common setup mistake and "wrong key" alone would send the merchant
// hunting for a typo.

export type ConnectionResult =
  | { ok: true; environment: DarajaEnvironment; message: string }
  | {
      ok: false;
      reason: "wrong_credentials" | "other_environment" | "unreachable" | "timeout" | "unexpected";
      message: string;
    };

export type ConnectionTestInput = {
  environment: DarajaEnvironment;
  consumerKey: string;
  consumerSecret: string;
  baseUrls: Record<DarajaEnvironment, string>;
  timeoutMs: number;
  fetch?: typeof fetch;
};

const other = (e: DarajaEnvironment): DarajaEnvironment => (e === "sandbox" ? "production" : "sandbox");

// A fresh store that never remembers, per test: "Test connection" must ask Daraja every time, not
// answer from a token cached for these same credentials.
const noCache = (): TokenStore => ({ get: async () => null, set: async () => {}, delete: async () => {} });

async function fetchToken(input: ConnectionTestInput, environment: DarajaEnvironment): Promise<unknown> {
  const client = createDarajaClient({
    baseUrl: input.baseUrls[environment],
    consumerKey: input.consumerKey,
    consumerSecret: input.consumerSecret,
    timeoutMs: input.timeoutMs,
    tokenStore: noCache(),
    ...(input.fetch ? { fetch: input.fetch } : {}),
  });
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
    return { ok: true, environment: env, message: `Connected: Daraja ${env} accepted these keys.` };
  }
  if (error instanceof DarajaAuthError) {
    const alt = other(env);
    if (input.baseUrls[alt] !== input.baseUrls[env] && (await fetchToken(input, alt)) === null) {
      return {
        ok: false,
        reason: "other_environment",
        message: `These are ${alt} keys: Daraja ${alt} accepted them, ${env} refused them. Choose "${alt}" or paste your ${env} keys.`,
      };
    }
    return {
      ok: false,
      reason: "wrong_credentials",
      message: `Daraja ${env} refused this consumer key and secret. Check both on your app's page in the Daraja portal.`,
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
