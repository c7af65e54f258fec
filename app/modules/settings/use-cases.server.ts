import type { MpesaAccount } from "@prisma/client";
import { env, type Env } from "../../lib/env.server";
import { logger } from "../../lib/logger.server";
import {
  createReceivingAccount,
  findReceivingAccount,
  listReceivingAccounts,
  openAccountSecret,
  receivingNumber,
  removeReceivingAccount,
  setDefaultReceivingAccount,
  updateReceivingAccount,
} from "./accounts.server";
import {
  c2bBaseUrlProblem,
  elidedC2bUrls,
  registerC2bUrls,
  UNREADABLE,
  type RegisterOutcome,
} from "./c2b-registration.server";
import { callbackUrlPattern, setupChecklist, type ChecklistItem } from "./checklist";
import { findSetupEvidence, type SetupEvidenceDb } from "./setup-evidence.server";
import { formatEat } from "../payments/dashboard/format";
import { darajaBaseUrl, secretBoxFromEnv, type ShopDarajaConfig } from "./config.server";
import type { DarajaClient } from "../daraja";
import { findSettings, findShopSetup, saveSettings, saveShopWideSettings, type SettingsDb } from "./repository.server";
import { SecretDecryptionError, type SecretBox } from "./secret-box.server";
import { testDarajaConnection, type ConnectionResult } from "./test-connection.server";
import { callbackReachability, type CallbackReachability } from "./callback-reachability";
import {
  balanceView,
  disbursementView,
  findDisbursementAccount,
  type BalanceView,
  type DisbursementView,
} from "./disbursement.server";
import {
  validateAccount,
  validateSettings,
  validateShopSettings,
  type FieldErrors,
  type StoredSecrets,
} from "./validation";
import {
  accountValues,
  accountView,
  settingsView,
  shopView,
  type AccountView,
  type SettingsView,
  type ShopView,
} from "./view.server";

// The settings page's use cases: show; save the shop-wide settings; add, edit, remove a receiving
// M-PESA account and choose the default; test an account's connection; register its C2B URLs. Routes
// call these and map the result; everything here is safe to return to the browser (no secret leaves
// this file).

export type Deps = {
  db: SettingsDb;
  box?: SecretBox;
  env?: Env;
  fetch?: typeof fetch;
  now?: () => Date;
  /** The shared Daraja client of a credential set (the composition root's); absent: one per call. */
  daraja?: (
    config: Pick<ShopDarajaConfig, "baseUrl" | "consumerKey" | "consumerSecret">,
  ) => Promise<Pick<DarajaClient, "c2bRegisterUrl">>;
};

// A merchant waiting on a button: shorter than the payment timeout.
const TEST_CONNECTION_MAX_MS = 15_000;

export type SettingsPage = {
  /** The shop's default account and shop-wide settings at a glance (home page). */
  view: SettingsView;
  shop: ShopView;
  accounts: AccountView[];
  checklist: ChecklistItem[];
  callbackUrl: string;
  /** Production Daraja refuses plain-http callback URLs. */
  callbackUrlInsecure: boolean;
  c2b: {
    /** The URLs each account registers, its token elided. */
    confirmationUrl: string;
    validationUrl: string;
    /** Why this app's address cannot carry C2B URLs at all (a word Daraja refuses), or null. */
    problem: string | null;
  };
  /** Whether Safaricom's production servers could call the callback address (and what fails if not). */
  reachability: CallbackReachability;
  /** The refunds (disbursement) account, or null when refunds are paid back by hand. */
  disbursement: DisbursementView | null;
  /** The shop-wide initiator's last balance test (kept on the default receiving account), or null without one. */
  initiatorBalance: BalanceView | null;
};

const boxOf = (deps: Deps) => deps.box ?? secretBoxFromEnv(deps.env ?? env());
const callbackBase = (config: Env) => config.CALLBACK_BASE_URL ?? config.SHOPIFY_APP_URL;

export async function loadSettingsPage(
  deps: Deps & { db: SettingsDb & SetupEvidenceDb },
  shop: string,
): Promise<SettingsPage> {
  const config = deps.env ?? env();
  const box = boxOf(deps);
  const [setup, accounts, evidence, disbursement] = await Promise.all([
    findShopSetup(deps.db, shop),
    listReceivingAccounts(deps.db, shop),
    findSetupEvidence(deps.db, shop),
    findDisbursementAccount(deps.db, shop),
  ]);
  const view = settingsView(setup, box);
  const base = callbackBase(config);
  return {
    view,
    shop: shopView(setup.settings, box),
    accounts: accounts.map((a) => accountView(a, box)),
    checklist: setupChecklist({
      configured: view.configured,
      paymentMethodName: view.values.paymentMethodName,
      c2bRegistered: accounts.some((a) => a.c2bRegisteredAt),
      evidence: {
        firstMpesaOrder: evidence.firstMpesaOrder && {
          name: evidence.firstMpesaOrder.name,
          when: formatEat(evidence.firstMpesaOrder.at),
        },
        firstExtensionRequest: evidence.firstExtensionRequest && { when: formatEat(evidence.firstExtensionRequest.at) },
      },
      callbackBaseUrl: base,
      production: config.NODE_ENV === "production",
    }),
    callbackUrl: callbackUrlPattern(base),
    callbackUrlInsecure: !base.startsWith("https://"),
    c2b: { ...elidedC2bUrls(base), problem: c2bBaseUrlProblem(base, "sandbox") },
    reachability: callbackReachability(base),
    disbursement: disbursementView(disbursement, box),
    initiatorBalance: setup.settings?.initiatorName && setup.account ? balanceView(setup.account) : null,
  };
}

/** Secrets that are stored *and readable*: an unreadable one must be typed again, not kept. */
function usableSecrets(view: {
  secrets: Partial<Record<keyof StoredSecrets, { stored: boolean; unreadable: boolean }>>;
}) {
  const usable = (f: keyof StoredSecrets) => !!view.secrets[f]?.stored && !view.secrets[f]?.unreadable;
  return {
    consumerSecret: usable("consumerSecret"),
    passkey: usable("passkey"),
    initiatorPassword: usable("initiatorPassword"),
    securityCredential: usable("securityCredential"),
  };
}

export type SaveOutcome = { ok: true } | { ok: false; errors: FieldErrors };

/** Saves the shop-wide settings (checkout texts, sandbox-on-live flag, initiator). */
export async function saveShopSettings(deps: Deps, shop: string, form: Record<string, unknown>): Promise<SaveOutcome> {
  const box = boxOf(deps);
  const before = shopView(await findSettings(deps.db, shop), box);
  const result = validateShopSettings(form, usableSecrets(before));
  if (!result.ok) return result;
  await saveShopWideSettings(deps.db, box, shop, result.value);
  logger.info({ shop, changedSecrets: Object.keys(result.value.newSecrets) }, "shop settings saved");
  return { ok: true };
}

/**
 * A shop's first set-up in one form: the shop-wide settings and its default receiving account
 * (the sandbox seed and single-account tests use it; the page saves the two separately).
 */
export async function saveShopSetup(deps: Deps, shop: string, form: Record<string, unknown>): Promise<SaveOutcome> {
  const box = boxOf(deps);
  const before = settingsView(await findShopSetup(deps.db, shop), box);
  const result = validateSettings(form, usableSecrets(before));
  if (!result.ok) return result;
  const row = await saveSettings(deps.db, box, shop, result.value);
  logger.info(
    {
      shop,
      environment: row.account.environment,
      kind: row.account.kind,
      changedSecrets: Object.keys(result.value.newSecrets),
    },
    "shop settings and default M-PESA account saved",
  );
  return { ok: true };
}

const accountIdOf = (form: Record<string, unknown>) =>
  typeof form.accountId === "string" && form.accountId.trim() ? form.accountId.trim() : null;

const NOT_FOUND: FieldErrors = { accountId: "That M-PESA account no longer exists. Reload the page." };

export type AccountOutcome = { ok: true; accountId: string } | { ok: false; errors: FieldErrors };

/** Adds (no accountId) or edits one receiving account; `makeDefault` ("true") also makes it the default. */
export async function saveAccount(deps: Deps, shop: string, form: Record<string, unknown>): Promise<AccountOutcome> {
  const box = boxOf(deps);
  const id = accountIdOf(form);
  const existing = id ? await findReceivingAccount(deps.db, shop, id) : null;
  if (id && !existing) return { ok: false, errors: NOT_FOUND };
  const stored = existing ? usableSecrets(accountView(existing, box)) : { consumerSecret: false, passkey: false };
  const result = validateAccount(form, stored);
  if (!result.ok) return result;
  const duplicate = (await listReceivingAccounts(deps.db, shop)).find(
    (a) =>
      a.id !== existing?.id &&
      a.environment === result.value.environment &&
      receivingNumber(a) === receivingNumber(result.value) &&
      a.businessShortCode === result.value.businessShortCode,
  );
  if (duplicate) {
    const what =
      result.value.kind === "till" ? `till ${result.value.tillNumber}` : `paybill ${result.value.businessShortCode}`;
    return {
      ok: false,
      errors: {
        [result.value.kind === "till" ? "tillNumber" : "businessShortCode"]:
          `This shop already has an account for ${what} (${result.value.environment}): edit that one instead.`,
      },
    };
  }
  const makeDefault = form.makeDefault === "true" || form.makeDefault === "on";
  let row: MpesaAccount | null;
  if (existing) {
    row = await updateReceivingAccount(deps.db, box, shop, existing.id, result.value);
    if (row && makeDefault && !row.defaultForShop) await setDefaultReceivingAccount(deps.db, shop, row.id);
  } else {
    row = await createReceivingAccount(deps.db, box, shop, result.value, { makeDefault });
    // A shop's first account works at once: the shop-wide settings start at their defaults.
    await deps.db.shopSettings.upsert({ where: { shopDomain: shop }, create: { shopDomain: shop }, update: {} });
  }
  if (!row) return { ok: false, errors: NOT_FOUND };
  logger.info(
    {
      shop,
      accountId: row.id,
      created: !existing,
      kind: row.kind,
      environment: row.environment,
      changedSecrets: Object.keys(result.value.newSecrets),
    },
    "M-PESA account saved",
  );
  return { ok: true, accountId: row.id };
}

export async function makeDefaultAccount(
  deps: Deps,
  shop: string,
  form: Record<string, unknown>,
): Promise<AccountOutcome> {
  const id = accountIdOf(form);
  if (!id || !(await setDefaultReceivingAccount(deps.db, shop, id))) return { ok: false, errors: NOT_FOUND };
  logger.info({ shop, accountId: id }, "default M-PESA account chosen");
  return { ok: true, accountId: id };
}

export async function removeAccount(deps: Deps, shop: string, form: Record<string, unknown>): Promise<AccountOutcome> {
  const id = accountIdOf(form);
  const outcome = id ? await removeReceivingAccount(deps.db, shop, id) : "not_found";
  if (outcome === "not_found") return { ok: false, errors: NOT_FOUND };
  if (outcome === "is_default") {
    return {
      ok: false,
      errors: {
        accountId:
          "This is the default account, which customers are prompted to pay. Make another account the default first, then remove this one.",
      },
    };
  }
  logger.info({ shop, accountId: id }, "M-PESA account removed");
  return { ok: true, accountId: id! };
}

export type TestOutcome = { ok: false; errors: FieldErrors } | { ok: true; result: ConnectionResult };

/**
 * Tests the account in the form (unsaved values allowed; an empty secret field uses the stored secret
 * of the account named by accountId): OAuth with its keys, then its shortcode and passkey.
 */
export async function testAccountConnection(
  deps: Deps,
  shop: string,
  submitted: Record<string, unknown>,
): Promise<TestOutcome> {
  const config = deps.env ?? env();
  const box = boxOf(deps);
  const id = accountIdOf(submitted);
  const existing = id ? await findReceivingAccount(deps.db, shop, id) : null;
  if (id && !existing) return { ok: false, errors: NOT_FOUND };
  // Only an account id (the list's button): test the account as saved.
  const form = existing && submitted.consumerKey === undefined ? { ...savedForm(existing), ...submitted } : submitted;
  const stored = existing ? usableSecrets(accountView(existing, box)) : { consumerSecret: false, passkey: false };
  // Every field is checked first, as Save would: a wrong number is named before Daraja is asked.
  const account = validateAccount(form, stored);
  if (!account.ok) return account;
  const a = account.value;
  const probe = {
    kind: a.kind,
    businessShortCode: a.businessShortCode,
    tillNumber: a.tillNumber,
    passkey: a.newSecrets.passkey ?? openAccountSecret(box, existing!, "passkey"),
  };
  const consumerSecret = a.newSecrets.consumerSecret ?? openAccountSecret(box, existing!, "consumerSecret");
  const result = await testDarajaConnection({
    environment: a.environment,
    consumerKey: a.consumerKey,
    consumerSecret,
    baseUrls: { sandbox: darajaBaseUrl("sandbox", config), production: darajaBaseUrl("production", config) },
    timeoutMs: Math.min(config.DARAJA_TIMEOUT_MS, TEST_CONNECTION_MAX_MS),
    fetch: deps.fetch,
    probe,
  });
  logger.info(
    { shop, accountId: id, environment: a.environment, outcome: result.ok ? "ok" : result.reason },
    "daraja connection test",
  );
  if (!result.ok) return { ok: true, result };
  return { ok: true, result: { ...result, notes: [...(result.notes ?? []), ...afterKeysNotes(config, a, existing)] } };
}

/** Kept for callers of the single-account page: tests the default account with the form's values. */
export async function testShopConnection(deps: Deps, shop: string, form: Record<string, unknown>) {
  const setup = await findShopSetup(deps.db, shop);
  return testAccountConnection(deps, shop, { ...form, accountId: form.accountId ?? setup.account?.id ?? "" });
}

/** A saved account as its form would post it (no secrets: empty fields keep the stored ones). */
function savedForm(a: MpesaAccount): Record<string, string> {
  const v = accountValues(a);
  return {
    ...v,
    tillNumber: v.tillNumber,
    c2bValidationEnabled: v.c2bValidationEnabled ? "true" : "",
  };
}

export type RegisterC2bOutcome = { ok: false; errors: FieldErrors } | { ok: true; result: RegisterOutcome };

/** Registers the saved account's C2B URLs (its saved version, ResponseType and credentials). */
export async function registerAccountC2b(
  deps: Deps,
  shop: string,
  form: Record<string, unknown>,
): Promise<RegisterC2bOutcome> {
  const config = deps.env ?? env();
  const id = accountIdOf(form);
  const account = id ? await findReceivingAccount(deps.db, shop, id) : null;
  if (!account) return { ok: false, errors: NOT_FOUND };
  const environment = account.environment === "production" ? "production" : "sandbox";
  const box = boxOf(deps);
  let client: Pick<DarajaClient, "c2bRegisterUrl"> | undefined;
  try {
    client =
      deps.daraja &&
      (await deps.daraja({
        baseUrl: darajaBaseUrl(environment, config),
        consumerKey: account.consumerKey,
        consumerSecret: openAccountSecret(box, account, "consumerSecret"),
      }));
  } catch (error) {
    if (!(error instanceof SecretDecryptionError)) throw error;
    return { ok: true, result: { ok: false, reason: "unreadable_secret", message: UNREADABLE } };
  }
  const result = await registerC2bUrls(
    {
      db: deps.db,
      box,
      client,
      callbackBaseUrl: callbackBase(config),
      baseUrl: darajaBaseUrl(environment, config),
      timeoutMs: Math.min(config.DARAJA_TIMEOUT_MS, TEST_CONNECTION_MAX_MS),
      now: deps.now,
      fetch: deps.fetch,
    },
    account,
  );
  logger.info(
    { shop, accountId: id, version: account.c2bVersion, outcome: result.ok ? "ok" : result.reason },
    "C2B URL registration",
  );
  return { ok: true, result };
}

/** What Test connection adds once the keys and the shortcode pass: C2B registration, callback address. */
function afterKeysNotes(
  config: Env,
  a: { environment: "sandbox" | "production"; c2bVersion: string; businessShortCode: string },
  saved: MpesaAccount | null,
): string[] {
  const notes: string[] = [];
  if (saved?.c2bRegisteredAt) {
    const same = saved.c2bRegisteredShortCode === a.businessShortCode && saved.c2bRegisteredVersion === a.c2bVersion;
    notes.push(
      same
        ? `C2B URLs are registered (${saved.c2bRegisteredVersion}, shortcode ${saved.c2bRegisteredShortCode}): payments made from the M-PESA menu reach the app.`
        : `C2B URLs were registered for shortcode ${saved.c2bRegisteredShortCode} with ${saved.c2bRegisteredVersion}, but this form says ${a.businessShortCode} with ${a.c2bVersion}: register the URLs again after saving (C2B API version).`,
    );
  } else if (saved?.c2bLastError) {
    notes.push(`C2B URLs are not registered: the last attempt failed (${saved.c2bLastError}).`);
  } else {
    notes.push(
      `C2B URLs are not registered: payments customers make from the M-PESA menu will not reach the app until you press Register URLs. Daraja answers "No apiproduct match" when the C2B API version (${a.c2bVersion}) is not the one your app was given.`,
    );
  }
  const reach = callbackReachability(callbackBase(config));
  if (reach.problems.length > 0) {
    notes.push(
      `${a.environment === "production" ? "Callback address will fail" : "In production this callback address will fail"}: ${reach.baseUrl} — ${reach.problems.join("; ")}. ${reach.consequence}`,
    );
  } else {
    notes.push(`Callback address ${reach.baseUrl} is a public HTTPS address.`);
  }
  return notes;
}
