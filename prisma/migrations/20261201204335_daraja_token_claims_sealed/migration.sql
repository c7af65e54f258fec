-- Cached tokens were keyed by environment + consumer key and stored in plain text: drop them (a
-- cache; each is re-fetched on first use under the new key, sealed).
DELETE FROM "DarajaToken";

-- AlterTable
ALTER TABLE "DarajaToken" ADD COLUMN "lockedUntil" DATETIME;

