import type { ShopSettings } from "@prisma/client";
import { SECRET_COLUMNS, secretContext, type SettingsDb } from "./repository.server";
import { SecretDecryptionError, type SecretBox } from "./secret-box.server";
import { SECRET_FIELDS } from "./validation";

// Re-encrypts every stored secret under the current key and envelope version (v1 -> v2: HKDF-derived
// encryption key). Idempotent: envelopes already sealed as `seal` seals today are left alone, so a re-run after a crash only finishes the remainder.
// Each row is updated only if it still holds the envelopes we read (a compare-and-set), so a
// merchant saving settings during the rotation is never overwritten with older secrets.

export type RotationReport = {
  shops: number;
  reencrypted: number;
  alreadyCurrent: number;
  skippedChangedConcurrently: number;
  failed: { shop: string; field: string; reason: string }[];
};

export async function rotateShopSecrets(db: SettingsDb, box: SecretBox): Promise<RotationReport> {
  const report: RotationReport = {
    shops: 0,
    reencrypted: 0,
    alreadyCurrent: 0,
    skippedChangedConcurrently: 0,
    failed: [],
  };
  const rows = await db.shopSettings.findMany({ orderBy: { shopDomain: "asc" } });
  for (const row of rows) {
    report.shops++;
    const changes: Partial<Record<string, string>> = {};
    const expected: Partial<Record<string, string>> = {};
    for (const field of SECRET_FIELDS) {
      const column = SECRET_COLUMNS[field];
      const envelope = row[column];
      if (!envelope) continue;
      try {
        if (box.isCurrent(envelope)) {
          report.alreadyCurrent++;
          continue;
        }
        const context = secretContext(row.shopDomain, field);
        changes[column] = box.seal(box.open(envelope, context), context);
        expected[column] = envelope;
      } catch (error) {
        if (!(error instanceof SecretDecryptionError)) throw error;
        report.failed.push({ shop: row.shopDomain, field, reason: error.message });
      }
    }
    const count = Object.keys(changes).length;
    if (count === 0) continue;
    const updated = await db.shopSettings.updateMany({
      where: { shopDomain: row.shopDomain, ...(expected as Partial<ShopSettings>) },
      data: changes,
    });
    if (updated.count === 1) report.reencrypted += count;
    else report.skippedChangedConcurrently++;
  }
  return report;
}
