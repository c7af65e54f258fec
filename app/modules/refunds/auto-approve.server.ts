import type { PrismaClient } from "@prisma/client";
import { B2C_MAX_KES } from "../daraja";

// The shop's auto-approve rule (ShopSettings.refundAutoApproveMaxKes, docs/REFUNDS.md): refunds that
// come from Shopify (refunds/create) up to KES X are approved as they are created, the rest wait for
// the merchant. Blank: every refund waits. Whole shillings, 1 to the B2C maximum.

export type AutoApproveSave = { ok: true; maxKes: number | null } | { ok: false; error: string };

export async function readAutoApprove(db: Pick<PrismaClient, "shopSettings">, shop: string): Promise<number | null> {
  const s = await db.shopSettings.findUnique({
    where: { shopDomain: shop },
    select: { refundAutoApproveMaxKes: true },
  });
  return s?.refundAutoApproveMaxKes ?? null;
}

export function parseAutoApprove(raw: unknown): AutoApproveSave {
  const text = typeof raw === "string" ? raw.trim() : "";
  if (text === "") return { ok: true, maxKes: null };
  if (!/^\d{1,7}$/.test(text))
    return { ok: false, error: "Enter whole shillings (for example 500), or leave it blank." };
  const maxKes = Number(text);
  if (maxKes < 1 || maxKes > B2C_MAX_KES)
    return { ok: false, error: `Enter an amount from KES 1 to KES ${B2C_MAX_KES}, or leave it blank.` };
  return { ok: true, maxKes };
}

export async function saveAutoApprove(
  db: Pick<PrismaClient, "shopSettings">,
  shop: string,
  raw: unknown,
): Promise<AutoApproveSave> {
  const parsed = parseAutoApprove(raw);
  if (!parsed.ok) return parsed;
  await db.shopSettings.upsert({
    where: { shopDomain: shop },
    create: { shopDomain: shop, refundAutoApproveMaxKes: parsed.maxKes },
    update: { refundAutoApproveMaxKes: parsed.maxKes },
  });
  return parsed;
}
