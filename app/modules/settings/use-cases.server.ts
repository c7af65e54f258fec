import { env, type Env } from "../../lib/env.server";
import { logger } from "../../lib/logger.server";
import { callbackUrlPattern, setupChecklist, type ChecklistItem } from "./checklist";
import { darajaBaseUrl, secretBoxFromEnv } from "./config.server";
import { findShopSetup, openSetupSecret, saveSettings, type SettingsDb } from "./repository.server";
import type { SecretBox } from "./secret-box.server";
import { testDarajaConnection, type ConnectionResult } from "./test-connection.server";
import { validateConnectionInput, validateSettings, type FieldErrors, type StoredSecrets } from "./validation";
import { settingsView, type SettingsView } from "./view.server";

// The settings page's three use cases (show, save, test connection). Routes call these and map the
// result; everything here is safe to return to the browser (no secret leaves this file).

export type Deps = { db: SettingsDb; box?: SecretBox; env?: Env; fetch?: typeof fetch };

// A merchant waiting on a button: shorter than the payment timeout.
const TEST_CONNECTION_MAX_MS = 15_000;

export type SettingsPage = {
  view: SettingsView;
  checklist: ChecklistItem[];
  callbackUrl: string;
  /** Production Daraja refuses plain-http callback URLs. */
  callbackUrlInsecure: boolean;
};

export async function loadSettingsPage(deps: Deps, shop: string): Promise<SettingsPage> {
  const config = deps.env ?? env();
  const view = settingsView(await findShopSetup(deps.db, shop), deps.box ?? secretBoxFromEnv(config));
  const base = config.CALLBACK_BASE_URL ?? config.SHOPIFY_APP_URL;
  return {
    view,
    checklist: setupChecklist({ configured: view.configured, paymentMethodName: view.values.paymentMethodName }),
    callbackUrl: callbackUrlPattern(base),
    callbackUrlInsecure: !base.startsWith("https://"),
  };
}

/** Secrets that are stored *and readable*: an unreadable one must be typed again, not kept. */
function usableSecrets(view: SettingsView): StoredSecrets {
  const s = view.secrets;
  const usable = (f: keyof StoredSecrets) => s[f].stored && !s[f].unreadable;
  return {
    consumerSecret: usable("consumerSecret"),
    passkey: usable("passkey"),
    initiatorPassword: usable("initiatorPassword"),
    securityCredential: usable("securityCredential"),
  };
}

export type SaveOutcome = { ok: true; view: SettingsView } | { ok: false; errors: FieldErrors };

export async function saveShopSettings(deps: Deps, shop: string, form: Record<string, unknown>): Promise<SaveOutcome> {
  const box = deps.box ?? secretBoxFromEnv(deps.env ?? env());
  const before = settingsView(await findShopSetup(deps.db, shop), box);
  const result = validateSettings(form, usableSecrets(before));
  if (!result.ok) return result;
  const row = await saveSettings(deps.db, box, shop, result.value);
  logger.info(
    {
      shop,
      environment: row.account.environment,
      shortcodeType: row.account.kind,
      changedSecrets: Object.keys(result.value.newSecrets),
    },
    "shop settings saved",
  );
  return { ok: true, view: settingsView(row, box) };
}

export type TestOutcome = { ok: false; errors: FieldErrors } | { ok: true; result: ConnectionResult };

/** Tests the keys in the form (unsaved values allowed); an empty secret field uses the stored secret. */
export async function testShopConnection(
  deps: Deps,
  shop: string,
  form: Record<string, unknown>,
): Promise<TestOutcome> {
  const config = deps.env ?? env();
  const box = deps.box ?? secretBoxFromEnv(config);
  const setup = await findShopSetup(deps.db, shop);
  const stored = usableSecrets(settingsView(setup, box));
  const input = validateConnectionInput(form, stored);
  if (!input.ok) return input;
  const consumerSecret = input.value.consumerSecret ?? openSetupSecret(box, setup, "consumerSecret")!;
  const result = await testDarajaConnection({
    environment: input.value.environment,
    consumerKey: input.value.consumerKey,
    consumerSecret,
    baseUrls: { sandbox: darajaBaseUrl("sandbox", config), production: darajaBaseUrl("production", config) },
    timeoutMs: Math.min(config.DARAJA_TIMEOUT_MS, TEST_CONNECTION_MAX_MS),
    fetch: deps.fetch,
  });
  logger.info(
    { shop, environment: input.value.environment, outcome: result.ok ? "ok" : result.reason },
    "daraja connection test",
  );
  return { ok: true, result };
}
