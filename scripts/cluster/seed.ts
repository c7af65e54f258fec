import type { PrismaClient } from "@prisma/client";
import type { ShopifyStandin, PlanSpec } from "../../shopify-standin/index";
import { createSecretBox } from "../../app/modules/settings/secret-box.server";
import { saveSettings } from "../../app/modules/settings/repository.server";

// Shops as an install plus a merchant's save leaves them: registered in the Admin stand-in (with its
// plan: the Admin API bucket), an offline session with the token the stand-in accepts, and Daraja
// settings for the emulator saved through the settings module (validated, secrets sealed with the
// cluster's ENCRYPTION_KEY).

export const EMULATOR_PASSKEY = "bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919";
export const SHOP_TOKEN = "shpat_cluster_offline_token";

export interface ShopSpec {
  domain: string;
  plan: PlanSpec;
  /** A label for reports (the plan's name by default). */
  planClass: string;
  /**
   * The shop's own paybill: every shop has its own, as real merchants do, so a Pull Transactions or
   * statement row belongs to exactly one shop (the emulator is started with all of them).
   */
  shortCode: string;
}

/** The emulator's shortcode list for these shops (the sandbox passkey on each). */
export const emulatorShortcodes = (shops: ShopSpec[]) =>
  shops.map((s) => ({ shortCode: s.shortCode, passkey: EMULATOR_PASSKEY }));

export async function seedShops(db: PrismaClient, standin: ShopifyStandin, encryptionKey: string, shops: ShopSpec[]) {
  const box = createSecretBox({ current: encryptionKey });
  for (const shop of shops) {
    standin.registerShop(shop.domain, SHOP_TOKEN, { plan: shop.plan });
    await db.shop.upsert({ where: { domain: shop.domain }, create: { domain: shop.domain }, update: {} });
    const session = {
      shop: shop.domain,
      state: "",
      isOnline: false,
      scope: "read_orders,write_orders",
      accessToken: SHOP_TOKEN,
    };
    await db.session.upsert({
      where: { id: `offline_${shop.domain}` },
      create: { id: `offline_${shop.domain}`, ...session },
      update: session,
    });
    await saveSettings(db, box, shop.domain, {
      environment: "sandbox",
      shortcodeType: "paybill",
      businessShortCode: shop.shortCode,
      tillNumber: null,
      consumerKey: "emulator-consumer-key",
      paymentMethodName: "M-PESA",
      accountReferenceTemplate: "INV{order_number}",
      initiatorName: null,
      newSecrets: { consumerSecret: "emulator-consumer-secret", passkey: EMULATOR_PASSKEY },
    });
  }
}

/** `count` shops spread over the stand-in's plans (most shops are small: half Standard). */
export function shopMix(count: number, prefix = "cluster-shop"): ShopSpec[] {
  const classes: { plan: PlanSpec; planClass: string; share: number }[] = [
    { plan: "standard", planClass: "standard", share: 0.5 },
    { plan: "advanced", planClass: "advanced", share: 0.25 },
    { plan: "plus", planClass: "plus", share: 0.2 },
    { plan: "commerce_components", planClass: "commerce_components", share: 0.05 },
  ];
  const shops: ShopSpec[] = [];
  for (let i = 0; i < count; i++) {
    // Deterministic spread: shop i takes the class whose cumulative share covers (i + 0.5) / count.
    const x = (i + 0.5) / count;
    let acc = 0;
    const c = classes.find((k) => (acc += k.share) >= x) ?? classes[0];
    shops.push({
      domain: `${prefix}-${String(i).padStart(3, "0")}.myshopify.com`,
      plan: c.plan,
      planClass: c.planClass,
      shortCode: String(600100 + i),
    });
  }
  return shops;
}
