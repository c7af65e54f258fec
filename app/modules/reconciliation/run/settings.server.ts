import type { PrismaClient } from "@prisma/client";

// The shop's reconciliation settings (ShopSettings columns; null means the default below). Kept apart
// from the payment settings: their own small form (ui/schedule-settings.tsx), their own intent.

export const DEFAULT_RECONCILE_AT_EAT = "06:00";
export const DEFAULT_RECEIPT_PENDING_HOURS = 6;

export interface ReconcileSettings {
  /** "HH:MM" in EAT, or null: no daily run. */
  reconcileAtEat: string | null;
  operationsEmail: string | null;
  dailySummaryEmail: boolean;
  receiptPendingHours: number;
}

export type ReconcileSettingsDb = Pick<PrismaClient, "shopSettings">;

export function settingsFrom(
  row: {
    reconcileAtEat: string | null;
    operationsEmail: string | null;
    dailySummaryEmail: boolean | null;
    receiptPendingHours: number | null;
  } | null,
): ReconcileSettings {
  return {
    reconcileAtEat: row?.reconcileAtEat === "off" ? null : (row?.reconcileAtEat ?? DEFAULT_RECONCILE_AT_EAT),
    operationsEmail: row?.operationsEmail ?? null,
    dailySummaryEmail: row?.dailySummaryEmail ?? false,
    receiptPendingHours: row?.receiptPendingHours ?? DEFAULT_RECEIPT_PENDING_HOURS,
  };
}

export async function getReconcileSettings(db: ReconcileSettingsDb, shop: string): Promise<ReconcileSettings> {
  return settingsFrom(
    await db.shopSettings.findUnique({
      where: { shopDomain: shop },
      select: { reconcileAtEat: true, operationsEmail: true, dailySummaryEmail: true, receiptPendingHours: true },
    }),
  );
}

const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;
// One address, the practical subset of RFC 5321: no display name, no spaces, no angle brackets or
// commas (nothing that could add a recipient or a header).
const EMAIL =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

export type SettingsInput = { [K in keyof ReconcileSettings]?: unknown };
export type SaveResult = { ok: true; settings: ReconcileSettings } | { ok: false; errors: Record<string, string> };

/** Validates the form's fields (strings from FormData) into settings. */
export function parseReconcileSettings(form: {
  reconcileAtEat?: string | null;
  operationsEmail?: string | null;
  dailySummaryEmail?: string | null;
  receiptPendingHours?: string | null;
}): SaveResult {
  const errors: Record<string, string> = {};
  const time = (form.reconcileAtEat ?? "").trim();
  if (time !== "off" && !TIME.test(time))
    errors.reconcileAtEat = 'Enter a time of day as HH:MM (24-hour, EAT), or "off".';
  const email = (form.operationsEmail ?? "").trim();
  if (email && (email.length > 254 || !EMAIL.test(email))) errors.operationsEmail = "Enter one email address.";
  const hoursRaw = (form.receiptPendingHours ?? "").trim();
  const hours = Number(hoursRaw);
  if (!/^\d+$/.test(hoursRaw) || hours < 1 || hours > 168)
    errors.receiptPendingHours = "Enter a whole number of hours between 1 and 168.";
  const summary = form.dailySummaryEmail === "on" || form.dailySummaryEmail === "true";
  if (summary && !email) errors.dailySummaryEmail = "A daily summary needs an operations email address.";
  if (Object.keys(errors).length) return { ok: false, errors };
  return {
    ok: true,
    settings: {
      reconcileAtEat: time === "off" ? null : time,
      operationsEmail: email || null,
      dailySummaryEmail: summary,
      receiptPendingHours: hours,
    },
  };
}

/** Saves them on the shop's settings row (which the payment settings created). */
export async function saveReconcileSettings(db: ReconcileSettingsDb, shop: string, s: ReconcileSettings) {
  const { count } = await db.shopSettings.updateMany({
    where: { shopDomain: shop },
    data: {
      reconcileAtEat: s.reconcileAtEat ?? "off",
      operationsEmail: s.operationsEmail,
      dailySummaryEmail: s.dailySummaryEmail,
      receiptPendingHours: s.receiptPendingHours,
    },
  });
  return count > 0;
}
