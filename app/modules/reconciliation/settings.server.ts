import type { PrismaClient } from "@prisma/client";
import { maskMsisdn } from "../../lib/phone-mask";
import { holdsUntilReceiptKnown, setHoldUntilReceiptKnown } from "../payments/receipt-policy.server";
import { listReceivingAccounts, findReceivingAccount } from "../settings/accounts.server";
import { registerPull, type PullRegisterDeps } from "./pull/register.server";
import { enqueueManualPull } from "./pull/schedule.server";
import { pullShortCode } from "./pull/run.server";

// The settings page's reconciliation sections (ui/receipt-policy.tsx, ui/pull-transactions.tsx): what they
// show, and their intents. The page (app/routes/app.settings.tsx) forwards the loader data and these
// intents here: `save-receipt-policy`, `register-pull`, `pull-now`.

export const RECONCILIATION_INTENTS = ["save-receipt-policy", "register-pull", "pull-now"] as const;
export type ReconciliationIntent = (typeof RECONCILIATION_INTENTS)[number];
export const isReconciliationIntent = (i: string): i is ReconciliationIntent =>
  (RECONCILIATION_INTENTS as readonly string[]).includes(i);

export interface PullAccountView {
  id: string;
  label: string;
  shortCode: string;
  environment: string;
  /** Masked (personal data never goes back whole to a browser). */
  nominatedNumberMasked: string | null;
  registeredAt: string | null;
  lastError: string | null;
  lastPulledAt: string | null;
  lastRun: {
    status: string;
    trigger: string;
    windowStart: string;
    windowEnd: string;
    rows: number;
    confirmed: number;
    attached: number;
    newMatched: number;
    unmatched: number;
    error: string | null;
    finishedAt: string | null;
  } | null;
}

export interface ReconciliationSettingsView {
  holdUntilReceiptKnown: boolean;
  pullAccounts: PullAccountView[];
}

export async function reconciliationSettingsView(db: PrismaClient, shop: string): Promise<ReconciliationSettingsView> {
  const accounts = await listReceivingAccounts(db, shop);
  const pullAccounts = await Promise.all(
    accounts.map(async (a): Promise<PullAccountView> => {
      const run = await db.pullRun.findFirst({ where: { accountId: a.id }, orderBy: { startedAt: "desc" } });
      return {
        id: a.id,
        label: a.label,
        shortCode: pullShortCode(a),
        environment: a.environment,
        nominatedNumberMasked: a.pullNominatedNumber ? maskMsisdn(a.pullNominatedNumber) : null,
        registeredAt: a.pullRegisteredAt?.toISOString() ?? null,
        lastError: a.pullLastError,
        lastPulledAt: a.pullLastPulledAt?.toISOString() ?? null,
        lastRun: run && {
          status: run.status,
          trigger: run.trigger,
          windowStart: run.windowStart.toISOString(),
          windowEnd: run.windowEnd.toISOString(),
          rows: run.rows,
          confirmed: run.confirmed,
          attached: run.attached,
          newMatched: run.newMatched,
          unmatched: run.unmatched,
          error: run.error,
          finishedAt: run.finishedAt?.toISOString() ?? null,
        },
      };
    }),
  );
  return { holdUntilReceiptKnown: await holdsUntilReceiptKnown(db, shop), pullAccounts };
}

export type ReconciliationActionResult = {
  intent: ReconciliationIntent;
  ok: boolean;
  message: string;
  accountId?: string;
  field?: string;
};

export async function reconciliationSettingsAction(
  deps: PullRegisterDeps,
  shop: string,
  intent: ReconciliationIntent,
  form: Record<string, unknown>,
): Promise<{ status: number; result: ReconciliationActionResult }> {
  const accountId = typeof form.accountId === "string" ? form.accountId : "";
  switch (intent) {
    case "save-receipt-policy": {
      const hold = form.holdUntilReceiptKnown === "true" || form.holdUntilReceiptKnown === "on";
      const saved = await setHoldUntilReceiptKnown(deps.db, shop, hold);
      if (!saved)
        return {
          status: 409,
          result: { intent, ok: false, message: "Save the shop's settings first, then this choice." },
        };
      return {
        status: 200,
        result: {
          intent,
          ok: true,
          message: hold
            ? "Saved: payments confirmed only by M-PESA's status query wait in review until the receipt is known."
            : "Saved: payments confirmed by M-PESA's status query are recorded paid; the receipt follows.",
        },
      };
    }
    case "register-pull": {
      const outcome = await registerPull(deps, shop, accountId, String(form.nominatedNumber ?? ""));
      return {
        status: outcome.ok ? 200 : outcome.field === "nominatedNumber" ? 422 : 409,
        result: {
          intent,
          ok: outcome.ok,
          message: outcome.message,
          accountId,
          ...(outcome.ok ? {} : { field: outcome.field }),
        },
      };
    }
    case "pull-now": {
      const account = accountId ? await findReceivingAccount(deps.db, shop, accountId) : null;
      if (!account)
        return { status: 409, result: { intent, ok: false, message: "That M-PESA account was not found." } };
      if (!account.pullRegisteredAt)
        return {
          status: 409,
          result: { intent, ok: false, accountId, message: "Register this account for Pull Transactions first." },
        };
      await enqueueManualPull(deps.db, account, deps.now());
      return {
        status: 202,
        result: {
          intent,
          ok: true,
          accountId,
          message: "Pulling the last 48 hours now: reload in a moment for the result.",
        },
      };
    }
  }
}
