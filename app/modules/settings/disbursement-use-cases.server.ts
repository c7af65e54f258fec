import { env } from "../../lib/env.server";
import { logger } from "../../lib/logger.server";
import { createDarajaClient, DarajaError, DarajaRequestValidationError, InMemoryTokenStore } from "../daraja";
import { refundAccountOf, type RefundAccount } from "../refunds/refund-account.server";
import { accountDarajaConfig, darajaBaseUrl, secretBoxFromEnv } from "./config.server";
import { findShopSetup } from "./repository.server";
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
  const own = !!account.consumerKey;
  return askBalance(deps, shop, {
    accountId: account.id,
    creds,
    fields: DISBURSEMENT_FIELDS,
    keysWhose: own ? "Consumer key and secret" : "The default receiving account's keys, which this account uses",
    keysField: own ? "disburseConsumerKey" : null,
    log: "refunds account balance test",
  });
}

/** The form fields a balance test can point at, per form. */
type BalanceFields = { initiatorName: string; password: string; credential: string; shortCode: string | null };
const DISBURSEMENT_FIELDS: BalanceFields = {
  initiatorName: "disburseInitiatorName",
  password: "disburseInitiatorPassword",
  credential: "disburseSecurityCredential",
  shortCode: "disburseShortCode",
};
const SHOP_INITIATOR_FIELDS: BalanceFields = {
  initiatorName: "initiatorName",
  password: "initiatorPassword",
  credential: "securityCredential",
  shortCode: null,
};

type BalanceCreds = Pick<
  RefundAccount,
  "environment" | "consumerKey" | "consumerSecret" | "shortCode" | "initiatorName" | "credential"
>;

/**
 * OAuth with the keys, then an Account Balance request for `creds.shortCode` by its initiator. The
 * answer arrives later on the result URL and is stored on the MpesaAccount row `accountId` (its
 * balance columns), where the page reads it.
 */
async function askBalance(
  deps: Deps,
  shop: string,
  p: {
    accountId: string;
    creds: BalanceCreds;
    fields: BalanceFields;
    keysWhose: string;
    keysField: string | null;
    log: string;
  },
): Promise<DisbursementTestResult> {
  const config = deps.env ?? env();
  const { creds } = p;
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
  if (!keys.ok) return { ok: false, field: p.keysField, message: `${p.keysWhose}: ${keys.message}` };
  const client = createDarajaClient({
    baseUrl,
    consumerKey: creds.consumerKey,
    consumerSecret: creds.consumerSecret,
    timeoutMs,
    tokenStore: new InMemoryTokenStore(),
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
  });
  const at = (deps.now ?? (() => new Date()))();
  const token = balanceToken(p.accountId, at);
  // Stored before the call: the answer may arrive before the acknowledgement does.
  await markBalanceRequested(deps.db, p.accountId, token, at);
  try {
    await client.accountBalance({
      initiatorName: creds.initiatorName,
      credential: creds.credential,
      partyA: creds.shortCode,
      remarks: "Settings connection test",
      ...balanceUrls(config.CALLBACK_BASE_URL ?? config.SHOPIFY_APP_URL, token),
    });
  } catch (error) {
    const message = ackProblem(error, p.fields);
    await deps.db.mpesaAccount.update({
      where: { id: p.accountId },
      data: { balanceError: message.text, balanceAnsweredAt: (deps.now ?? (() => new Date()))() },
    });
    logger.info({ shop, accountId: p.accountId, outcome: "refused" }, p.log);
    return { ok: false, field: message.field, message: message.text };
  }
  logger.info({ shop, accountId: p.accountId, outcome: "asked" }, p.log);
  return {
    ok: true,
    message: `Daraja ${creds.environment} accepted the keys and the balance query for shortcode ${creds.shortCode}; the balance appears here when M-PESA answers (usually a few seconds).`,
  };
}

/**
 * Tests the saved shop-wide initiator, which acts for the default receiving account (transaction
 * status queries, and refunds when no refunds account is set): that account's keys, then an Account
 * Balance request for its shortcode by this initiator. The answer is kept on the receiving account.
 */
export async function testShopInitiator(deps: Deps, shop: string): Promise<DisbursementTestResult> {
  const { settings, account } = await findShopSetup(deps.db, shop);
  if (!settings?.initiatorName)
    return {
      ok: false,
      field: "initiatorName",
      message: "Save an initiator first (its name, and its password or security credential), then test it.",
    };
  if (!account)
    return { ok: false, field: null, message: "Add an M-PESA account first: the initiator acts for that account." };
  let config;
  try {
    config = accountDarajaConfig(settings, account, { box: boxOf(deps), env: deps.env ?? env() });
  } catch (error) {
    if (!(error instanceof SecretDecryptionError)) throw error;
    return {
      ok: false,
      field: "initiatorPassword",
      message: "A stored secret can no longer be read (the encryption key changed): type it again and save.",
    };
  }
  const creds = refundAccountOf(config);
  if (!creds)
    return {
      ok: false,
      field: "initiatorPassword",
      message: "Enter the initiator's password or its security credential, save, then test it.",
    };
  return askBalance(deps, shop, {
    accountId: account.id,
    creds,
    fields: SHOP_INITIATOR_FIELDS,
    keysWhose: "The default receiving account's keys, which the initiator uses",
    keysField: null,
    log: "shop initiator balance test",
  });
}

function ackProblem(error: unknown, fields: BalanceFields): { field: string | null; text: string } {
  if (error instanceof DarajaRequestValidationError) {
    const field = /credential|password/i.test(error.field) ? fields.password : null;
    return { field, text: `The initiator's credential cannot be used: ${error.message}.` };
  }
  if (error instanceof DarajaError) {
    const detail = `${error.errorCode ?? `HTTP ${error.httpStatus ?? "?"}`} ${error.errorMessage}`.trim();
    const field = /initiator/i.test(error.errorMessage)
      ? fields.initiatorName
      : /partya|shortcode/i.test(error.errorMessage)
        ? fields.shortCode
        : /credential/i.test(error.errorMessage)
          ? fields.credential
          : null;
    return { field, text: `Daraja refused the balance query (${detail}).` };
  }
  throw error;
}
