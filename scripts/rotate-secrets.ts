// npm run secrets:rotate — re-encrypt every stored Daraja secret under ENCRYPTION_KEY.
//
// Runbook: 1) set ENCRYPTION_KEY_PREVIOUS to the old key and ENCRYPTION_KEY to a new one
// (openssl rand -base64 32), restart the app (it now reads both); 2) run this until it reports
// nothing left to re-encrypt and no failures; 3) remove ENCRYPTION_KEY_PREVIOUS and restart.
// Safe to run any number of times.
import db from "../app/db.server";
import { env } from "../app/lib/env.server";
import { rotateShopSecrets, secretBoxFromEnv } from "../app/modules/settings/index.server";

const config = env();
try {
  const box = secretBoxFromEnv(config);
  const report = await rotateShopSecrets(db, box);
  console.log(
    `Key ${box.currentKeyId}: ${report.shops} shop(s), ${report.accounts} M-PESA account(s), ${report.reencrypted} secret(s) re-encrypted, ` +
      `${report.alreadyCurrent} already current, ${report.skippedChangedConcurrently} row(s) changed meanwhile (run again), ` +
      `${report.failed.length} failed.`,
  );
  for (const f of report.failed) {
    console.error(`  ${f.shop}${f.accountId ? ` account ${f.accountId}` : ""} ${f.field}: ${f.reason}`);
  }
  process.exitCode = report.failed.length > 0 || report.skippedChangedConcurrently > 0 ? 1 : 0;
} finally {
  await db.$disconnect();
}
