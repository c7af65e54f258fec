import { env } from "../../lib/env.server";
import { logger } from "../../lib/logger.server";
import { createDarajaClient, DarajaError, DarajaRequestValidationError, InMemoryTokenStore } from "../daraja";
import { darajaBaseUrl, secretBoxFromEnv } from "./config.server";
import {
  balanceToken,
  balanceUrls,
  disbursementCredentials,
  disbursementView,
  findDisbursementAccount,
  markBalanceRequested,
  removeDisbursementAccount,
  saveDisbursementAccount,
  validateDisbursement,
  type DisbursementErrors,
  type DisbursementView,
} from "./disbursement.server";
import { SecretDecryptionError } from "./secret-box.server";
import { testDarajaConnection } from "./test-connection.server";
import type { Deps } from "./use-cases.server";

// The settings page's use cases for the refunds (disbursement) account: show, save, remove, and
// "Test connection" — OAuth with its keys, then an Account Balance request whose answer arrives
// later on /daraja/result/balance/<token> (the page shows it when it has come).

const TEST_CONNECTION_MAX_MS = 15_000;
const boxOf = (deps: Deps) => deps.box ?? secretBoxFromEnv(deps.env ?? env());

export async function loadDisbursement(deps: Deps, shop: string): Promise<DisbursementView | null> {
  return disbursementView(await findDisbursementAccount(deps.db, shop), boxOf(deps));
}

export type DisbursementOutcome = { ok: true } | { ok: false; errors: DisbursementErrors };

export async function saveDisbursement(
  deps: Deps,
  shop: string,
  form: Record<string, unknown>,
): Promise<DisbursementOutcome> {
  const box = boxOf(deps);
  const view = disbursementView(await findDisbursementAccount(deps.db, shop), box);
  const usable = (f: keyof DisbursementView["secrets"]) => !!view?.secrets[f].stored && !view.secrets[f].unreadable;
  const result = validateDisbursement(form, {
    consumerSecret: usable("consumerSecret"),
    initiatorPassword: usable("initiatorPassword"),
    securityCredential: usable("securityCredential"),
    consumerKey: view?.values.disburseConsumerKey ?? "",
  });
  if (!result.ok) return result;
  if (!result.value.consumerKey && !(await deps.db.mpesaAccount.findUnique({ where: { defaultForShop: shop } }))) {
    return {
      ok: false,
      errors: {
        disburseConsumerKey:
          "Enter the consumer key and secret of the Daraja app for refunds (there is no receiving account whose keys it could use).",
      },
    };
  }
  const row = await saveDisbursementAccount(deps.db, box, shop, result.value);
  logger.info(
    { shop, accountId: row.id, environment: row.environment, changedSecrets: Object.keys(result.value.newSecrets) },
    "refunds account saved",
  );
  return { ok: true };
}

export async function removeDisbursement(deps: Deps, shop: string): Promise<DisbursementOutcome> {
  await removeDisbursementAccount(deps.db, shop);
  logger.info({ shop }, "refunds account removed");
  return { ok: true };
}

export type DisbursementTestResult =
  { ok: true; message: string } | { ok: false; field: string | null; message: string };

/**
 * Tests the saved refunds account: its Daraja app keys (OAuth), then its shortcode and initiator
 * with an Account Balance request. Daraja acknowledges at once and answers later on the result URL;
 * the answer (balances, or what is wrong) is stored on the account and shown by the page.
 */
export async function testDisbursement(deps: Deps, shop: string): Promise<DisbursementTestResult> {
  const config = deps.env ?? env();
  const box = boxOf(deps);
  const account = await findDisbursementAccount(deps.db, shop);
  if (!account) return { ok: false, field: null, message: "Save the refunds account first, then test it." };
  let creds;
  try {
    creds = await disbursementCredentials(deps.db, box, shop, account);
  } catch (error) {
    if (!(error instanceof SecretDecryptionError)) throw error;
    return {
      ok: false,
      field: "disburseInitiatorPassword",
      message: "A stored secret of this account can no longer be read (the encryption key changed): type it again.",
    };
  }
  if (!creds) {
    return {
      ok: false,
      field: "disburseConsumerKey",
      message: "This account has no Daraja app keys to use: enter its consumer key and secret.",
    };
  }
  const baseUrl = darajaBaseUrl(creds.environment, config);
  const timeoutMs = Math.min(config.DARAJA_TIMEOUT_MS, TEST_CONNECTION_MAX_MS);
  const keys = await testDarajaConnection({
    environment: creds.environment,
    consumerKey: creds.consumerKey,
    consumerSecret: creds.consumerSecret,
    baseUrls: { sandbox: darajaBaseUrl("sandbox", config), production: darajaBaseUrl("production", config) },
    timeoutMs,
    fetch: deps.fetch,
  });
  if (!keys.ok) {
    const own = !!account.consumerKey;
    return {
      ok: false,
      field: own ? "disburseConsumerKey" : null,
      message: own
        ? `Consumer key and secret: ${keys.message}`
        : `The default receiving account's keys, which this account uses: ${keys.message}`,
    };
  }
  const client = createDarajaClient({
    baseUrl,
    consumerKey: creds.consumerKey,
    consumerSecret: creds.consumerSecret,
    timeoutMs,
    tokenStore: new InMemoryTokenStore(),
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
  });
  const at = (deps.now ?? (() => new Date()))();
  const token = balanceToken(account.id, at);
  // Stored before the call: the answer may arrive before the acknowledgement does.
  await markBalanceRequested(deps.db, account.id, token, at);
  try {
    await client.accountBalance({
      initiatorName: creds.initiatorName,
      credential: creds.credential,
      partyA: creds.shortCode,
      remarks: "Settings connection test",
      ...balanceUrls(config.CALLBACK_BASE_URL ?? config.SHOPIFY_APP_URL, token),
    });
  } catch (error) {
    const message = ackProblem(error);
    await deps.db.mpesaAccount.update({
      where: { id: account.id },
      data: { balanceError: message.text, balanceAnsweredAt: (deps.now ?? (() => new Date()))() },
    });
    logger.info({ shop, accountId: account.id, outcome: "refused" }, "refunds account balance test");
    return { ok: false, field: message.field, message: message.text };
  }
  logger.info({ shop, accountId: account.id, outcome: "asked" }, "refunds account balance test");
  return {
    ok: true,
    message: `Daraja ${creds.environment} accepted the keys and the balance query for shortcode ${creds.shortCode}; the balance appears here when M-PESA answers (usually a few seconds).`,
  };
}

function ackProblem(error: unknown): { field: string | null; text: string } {
  if (error instanceof DarajaRequestValidationError) {
    const field = /credential|password/i.test(error.field) ? "disburseInitiatorPassword" : null;
    return { field, text: `The initiator's credential cannot be used: ${error.message}.` };
  }
  if (error instanceof DarajaError) {
    const detail = `${error.errorCode ?? `HTTP ${error.httpStatus ?? "?"}`} ${error.errorMessage}`.trim();
    const field = /initiator/i.test(error.errorMessage)
      ? "disburseInitiatorName"
      : /partya|shortcode/i.test(error.errorMessage)
        ? "disburseShortCode"
        : /credential/i.test(error.errorMessage)
          ? "disburseSecurityCredential"
          : null;
    return { field, text: `Daraja refused the balance query (${detail}).` };
  }
  throw error;
}
