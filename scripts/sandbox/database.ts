import type { PrismaClient } from "@prisma/client";
import type { Env } from "../../app/lib/env.server";
import { createPrismaClient } from "../../app/lib/prisma.server";
import { createSecretBox } from "../../app/modules/settings/secret-box.server";
import { findShopSetup, saveSettings, storedSecretsOf } from "../../app/modules/settings/repository.server";
import { validateSettings } from "../../app/modules/settings/validation";
import { registerC2bUrls } from "../../app/modules/settings/c2b-registration.server";
import { getShopDarajaConfig } from "../../app/modules/settings/config.server";
import { registerPull } from "../../app/modules/reconciliation/pull/register.server";
import { createDarajaClient, InMemoryTokenStore } from "../../app/modules/daraja";
import { DEMO_ACCESS_TOKEN, DEMO_SCOPES, DEMO_SETTINGS_FORM, DEMO_SHOP } from "../../app/modules/sandbox/demo";

// What the sandbox writes to its database before the app starts. The launcher runs outside the app
// (no env.server), so it opens its own client with the factory app/db.server.ts uses.

export function openDatabase(url: string): PrismaClient {
  return createPrismaClient(url);
}

export function configuredShops(db: PrismaClient) {
  // Every M-PESA account (not only the defaults): the sandbox refuses any production one.
  return db.mpesaAccount.findMany({ select: { shopDomain: true, environment: true } });
}

/**
 * The demo shop as an install plus a merchant's save would leave it: the shop, its offline session
 * (the token the stand-in accepts) and its Daraja settings saved through the settings module, so
 * they are validated and sealed with the sandbox's ENCRYPTION_KEY. Upserts: re-running changes nothing.
 */
export async function seedDemoShop(db: PrismaClient, encryptionKey: string) {
  await db.shop.upsert({
    where: { domain: DEMO_SHOP },
    create: { domain: DEMO_SHOP },
    update: { uninstalledAt: null },
  });
  const session = {
    shop: DEMO_SHOP,
    state: "sandbox",
    isOnline: false,
    scope: DEMO_SCOPES,
    expires: null,
    accessToken: DEMO_ACCESS_TOKEN,
  };
  await db.session.upsert({
    where: { id: `offline_${DEMO_SHOP}` },
    create: { id: `offline_${DEMO_SHOP}`, ...session },
    update: session,
  });

  const stored = storedSecretsOf(await findShopSetup(db, DEMO_SHOP));
  const result = validateSettings({ ...DEMO_SETTINGS_FORM }, stored);
  if (!result.ok) throw new Error(`demo settings rejected: ${JSON.stringify(result.errors)}`);
  await saveSettings(db, createSecretBox({ current: encryptionKey }), DEMO_SHOP, result.value);
}

// The stand-in keeps orders in memory only, so each sandbox start creates the demo orders afresh and
// first forgets the demo shop's previous orders, payments and callbacks (the page's "Reset" does too).
export { forgetDemoOrders } from "../../app/modules/sandbox/demo-orders.server";

async function demoDefaultAccount(db: PrismaClient) {
  const account = await db.mpesaAccount.findFirst({ where: { shopDomain: DEMO_SHOP, defaultForShop: DEMO_SHOP } });
  if (!account) throw new Error("the demo shop has no default receiving account");
  return account;
}

/**
 * Registers the C2B URLs of the demo shop's default receiving account with the emulator, as the
 * merchant's "Register URLs" button does (the settings module's registration, against the emulator),
 * so payments made "from the M-PESA menu" reach the app. The emulator forgets registrations when it
 * stops, so every start registers again (a fresh token each time).
 */
export async function registerDemoC2bUrls(
  db: PrismaClient,
  encryptionKey: string,
  urls: { callbackBaseUrl: string; darajaBaseUrl: string },
) {
  const account = await demoDefaultAccount(db);
  const outcome = await registerC2bUrls(
    {
      db,
      box: createSecretBox({ current: encryptionKey }),
      callbackBaseUrl: urls.callbackBaseUrl,
      baseUrl: urls.darajaBaseUrl,
      timeoutMs: 5_000,
    },
    account,
  );
  if (!outcome.ok) throw new Error(`registering the demo shop's C2B URLs failed: ${outcome.message}`);
}

/** The number on the demo shortcode's "KYC" for Pull Transactions (any Safaricom-looking number will do). */
export const DEMO_PULL_NOMINATED_NUMBER = "0722 000 000";

/**
 * Registers the demo shop's default account for Pull Transactions with the emulator, as the merchant's
 * "Register for Pull" button does, so "Pull now" in Settings (and the scheduled pull) can recover a
 * payment whose callback never came. The emulator forgets registrations when it stops: every start
 * registers again.
 */
export async function registerDemoPull(
  db: PrismaClient,
  encryptionKey: string,
  urls: { callbackBaseUrl: string; darajaBaseUrl: string },
  /** The app's configuration as the launcher gives it to the app (this process has none of its own). */
  config: Env,
) {
  const account = await demoDefaultAccount(db);
  const box = createSecretBox({ current: encryptionKey });
  const outcome = await registerPull(
    {
      db,
      now: () => new Date(),
      shopConfig: (shop, accountId) => getShopDarajaConfig(db, shop, { box, env: config, accountId }),
      pullRegisterClient: (c) =>
        createDarajaClient({
          baseUrl: urls.darajaBaseUrl,
          consumerKey: c.consumerKey,
          consumerSecret: c.consumerSecret,
          timeoutMs: 5_000,
          tokenStore: new InMemoryTokenStore(),
        }),
      callbackBaseUrl: urls.callbackBaseUrl,
    },
    DEMO_SHOP,
    account.id,
    DEMO_PULL_NOMINATED_NUMBER,
  );
  if (!outcome.ok) throw new Error(`registering the demo shop for Pull Transactions failed: ${outcome.message}`);
}
