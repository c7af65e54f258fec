-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_CallbackLog" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "kind" TEXT NOT NULL,
    "path" TEXT NOT NULL,
    "tokenHash" TEXT,
    "sourceIp" TEXT,
    "headers" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'RECEIVED',
    "error" TEXT,
    "attemptId" TEXT,
    "shopDomain" TEXT,
    "receivedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "processedAt" DATETIME,
    "claims" INTEGER NOT NULL DEFAULT 0,
    "runAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lockedBy" TEXT,
    "lockedUntil" DATETIME
);
INSERT INTO "new_CallbackLog" ("attemptId", "body", "error", "headers", "id", "kind", "path", "processedAt", "receivedAt", "shopDomain", "sourceIp", "status", "tokenHash") SELECT "attemptId", "body", "error", "headers", "id", "kind", "path", "processedAt", "receivedAt", "shopDomain", "sourceIp", "status", "tokenHash" FROM "CallbackLog";
DROP TABLE "CallbackLog";
ALTER TABLE "new_CallbackLog" RENAME TO "CallbackLog";
CREATE INDEX "CallbackLog_status_receivedAt_idx" ON "CallbackLog"("status", "receivedAt");
CREATE INDEX "CallbackLog_status_runAt_idx" ON "CallbackLog"("status", "runAt");
CREATE INDEX "CallbackLog_attemptId_idx" ON "CallbackLog"("attemptId");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

