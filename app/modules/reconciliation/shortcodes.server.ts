import type { PrismaClient } from "@prisma/client";

// Which M-PESA shortcodes a shop's statements may be for: the shortcodes of its receiving accounts
// (MpesaAccount, purpose RECEIVE — several per shop). One small function, so the import never needs
// to know how accounts are modelled.

export type ShortcodeCheck = (
  shop: string,
  shortCode: string,
) => Promise<{ ok: true } | { ok: false; message: string; code: "WRONG_SHORTCODE" | "SHOP_NOT_CONFIGURED" }>;

export function shortcodeCheckFromAccounts(db: Pick<PrismaClient, "mpesaAccount">): ShortcodeCheck {
  return async (shop, shortCode) => {
    const accounts = await db.mpesaAccount.findMany({
      where: { shopDomain: shop, purpose: "RECEIVE" },
      select: { businessShortCode: true, tillNumber: true },
    });
    if (!accounts.length)
      return {
        ok: false,
        code: "SHOP_NOT_CONFIGURED",
        message: "Add your M-PESA account in Settings first: a statement is checked against your shortcodes.",
      };
    // A till's statement may name the till or its store (head office) number: both are the shop's.
    const own = [...new Set(accounts.flatMap((a) => [a.businessShortCode, a.tillNumber]))].filter(
      (s): s is string => !!s,
    );
    if (own.includes(shortCode)) return { ok: true };
    return {
      ok: false,
      code: "WRONG_SHORTCODE",
      message: `This statement is for shortcode ${shortCode}, not one of your M-PESA shortcodes (${own.join(", ")}). Export the statement of your own account.`,
    };
  };
}
