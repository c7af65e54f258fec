import type { MpesaAccount, ShopSettings } from "@prisma/client";
import {
  ACCOUNT_SECRET_COLUMNS,
  ACCOUNT_SECRET_FIELDS,
  accountSecretIsCurrent,
  openAccountSecret,
  sealAccountSecret,
} from "./accounts.server";
import { SHOP_SECRET_COLUMNS, secretContext, type SettingsDb, type ShopSecretField } from "./repository.server";
import { SecretDecryptionError, type SecretBox } from "./secret-box.server";
import {
  DISBURSE,
  DISBURSEMENT_SECRET_COLUMNS,
  disbursementSecretContext,
  type DisbursementSecretField,
} from "./disbursement.server";

const DISBURSEMENT_SECRETS = Object.keys(DISBURSEMENT_SECRET_COLUMNS) as DisbursementSecretField[];

// Re-encrypts every stored secret under the current key and envelope version (v1 -> v2: HKDF-derived
// encryption key), and re-binds the account secrets the mpesa_accounts migration moved from
// ShopSettings ("shop:" envelopes) to their account. Idempotent: envelopes already sealed as they are
// sealed today are left alone, so a re-run after a crash only finishes the remainder.
// Each row is updated only if it still holds the envelopes we read (a compare-and-set), so a
// merchant saving settings during the rotation is never overwritten with older secrets.

export type RotationReport = {
  /** Rows looked at: ShopSettings rows plus MpesaAccount rows. */
  shops: number;
  accounts: number;
  reencrypted: number;
  alreadyCurrent: number;
  skippedChangedConcurrently: number;
  failed: { shop: string; field: string; reason: string; accountId?: string }[];
};

type Plan = { changes: Record<string, string>; expected: Record<string, string> };

export async function rotateShopSecrets(
  db: Pick<SettingsDb, "shopSettings" | "mpesaAccount">,
  box: SecretBox,
): Promise<RotationReport> {
  const report: RotationReport = {
    shops: 0,
    accounts: 0,
    reencrypted: 0,
    alreadyCurrent: 0,
    skippedChangedConcurrently: 0,
    failed: [],
  };
  const attempt = (
    plan: Plan,
    column: string,
    envelope: string,
    current: boolean,
    reseal: () => string,
    fail: (e: SecretDecryptionError) => void,
  ) => {
    try {
      if (current) {
        report.alreadyCurrent++;
        return;
      }
      plan.changes[column] = reseal();
      plan.expected[column] = envelope;
    } catch (error) {
      if (!(error instanceof SecretDecryptionError)) throw error;
      fail(error);
    }
  };
  const apply = async (plan: Plan, update: () => Promise<{ count: number }>) => {
    const count = Object.keys(plan.changes).length;
    if (count === 0) return;
    if ((await update()).count === 1) report.reencrypted += count;
    else report.skippedChangedConcurrently++;
  };

  const rows = await db.shopSettings.findMany({ orderBy: { shopDomain: "asc" } });
  for (const row of rows) {
    report.shops++;
    const plan: Plan = { changes: {}, expected: {} };
    for (const field of Object.keys(SHOP_SECRET_COLUMNS) as ShopSecretField[]) {
      const column = SHOP_SECRET_COLUMNS[field];
      const envelope = row[column];
      if (!envelope) continue;
      const context = secretContext(row.shopDomain, field);
      attempt(
        plan,
        column,
        envelope,
        isCurrent(box, envelope),
        () => box.seal(box.open(envelope, context), context),
        (e) => report.failed.push({ shop: row.shopDomain, field, reason: e.message }),
      );
    }
    await apply(plan, () =>
      db.shopSettings.updateMany({
        where: { shopDomain: row.shopDomain, ...(plan.expected as Partial<ShopSettings>) },
        data: plan.changes,
      }),
    );
  }

  const accounts = await db.mpesaAccount.findMany({ orderBy: [{ shopDomain: "asc" }, { id: "asc" }] });
  for (const account of accounts) {
    report.accounts++;
    const plan: Plan = { changes: {}, expected: {} };
    for (const field of account.purpose === DISBURSE ? [] : ACCOUNT_SECRET_FIELDS) {
      const column = ACCOUNT_SECRET_COLUMNS[field];
      const envelope = account[column];
      attempt(
        plan,
        column,
        envelope,
        isCurrent(box, envelope, accountSecretIsCurrent),
        () => sealAccountSecret(box, account, field, openAccountSecret(box, account, field)),
        (e) => report.failed.push({ shop: account.shopDomain, accountId: account.id, field, reason: e.message }),
      );
    }
    // A disbursement account's secrets (its own app secret, the initiator's), each absent or sealed.
    for (const field of account.purpose === DISBURSE ? DISBURSEMENT_SECRETS : []) {
      const column = DISBURSEMENT_SECRET_COLUMNS[field];
      const envelope = account[column];
      if (!envelope) continue;
      const context = disbursementSecretContext(account.shopDomain, account.id, field);
      attempt(
        plan,
        column,
        envelope,
        isCurrent(box, envelope),
        () => box.seal(box.open(envelope, context), context),
        (e) => report.failed.push({ shop: account.shopDomain, accountId: account.id, field, reason: e.message }),
      );
    }
    await apply(plan, () =>
      db.mpesaAccount.updateMany({
        where: { id: account.id, ...(plan.expected as Partial<MpesaAccount>) },
        data: plan.changes,
      }),
    );
  }
  return report;
}

/** isCurrent that counts a malformed envelope as "not current" (the re-seal then reports why it fails). */
function isCurrent(box: SecretBox, envelope: string, check = (b: SecretBox, e: string) => b.isCurrent(e)): boolean {
  try {
    return check(box, envelope);
  } catch (error) {
    if (!(error instanceof SecretDecryptionError)) throw error;
    return false;
  }
}
