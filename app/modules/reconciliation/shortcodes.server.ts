import type { PrismaClient } from "@prisma/client";

// Which M-PESA shortcodes a shop's statements may be for. One small function so that it can read the
// accounts model (several shortcodes per shop) later; today it is the shop's saved settings.

export type ShortcodeCheck = (
  shop: string,
  shortCode: string,
) => Promise<{ ok: true } | { ok: false; message: string; code: "WRONG_SHORTCODE" | "SHOP_NOT_CONFIGURED" }>;

export function shortcodeCheckFromSettings(db: Pick<PrismaClient, "shopSettings">): ShortcodeCheck {
  return async (shop, shortCode) => {
    const settings = await db.shopSettings.findUnique({
      where: { shopDomain: shop },
      select: { businessShortCode: true, tillNumber: true },
    });
    if (!settings)
      return {
        ok: false,
        code: "SHOP_NOT_CONFIGURED",
        message: "Save your M-PESA settings first: a statement is checked against your shortcode.",
      };
    // A till's statement may name the till or its store (head office) number: both are the shop's.
    const own = [settings.businessShortCode, settings.tillNumber].filter((s): s is string => !!s);
    if (own.includes(shortCode)) return { ok: true };
    return {
      ok: false,
      code: "WRONG_SHORTCODE",
      message: `This statement is for shortcode ${shortCode}, not your M-PESA shortcode ${own.join(" / ")}. Export the statement of your own account.`,
    };
  };
}
