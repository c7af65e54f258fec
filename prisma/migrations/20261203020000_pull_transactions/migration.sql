-- AlterTable
ALTER TABLE "MpesaAccount" ADD COLUMN "pullLastAttemptAt" DATETIME;
ALTER TABLE "MpesaAccount" ADD COLUMN "pullLastError" TEXT;
ALTER TABLE "MpesaAccount" ADD COLUMN "pullLastPulledAt" DATETIME;
ALTER TABLE "MpesaAccount" ADD COLUMN "pullNominatedNumber" TEXT;
ALTER TABLE "MpesaAccount" ADD COLUMN "pullRegisteredAt" DATETIME;

-- AlterTable
ALTER TABLE "PaymentAttempt" ADD COLUMN "pendingClaimUntil" DATETIME;
ALTER TABLE "PaymentAttempt" ADD COLUMN "receiptAttachedAt" DATETIME;
ALTER TABLE "PaymentAttempt" ADD COLUMN "receiptFoundBy" TEXT;
ALTER TABLE "PaymentAttempt" ADD COLUMN "receiptPendingSince" DATETIME;

-- CreateTable
CREATE TABLE "PullRun" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopDomain" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "shortCode" TEXT NOT NULL,
    "windowStart" DATETIME NOT NULL,
    "windowEnd" DATETIME NOT NULL,
    "trigger" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "leaseUntil" DATETIME,
    "rows" INTEGER NOT NULL DEFAULT 0,
    "pages" INTEGER NOT NULL DEFAULT 0,
    "confirmed" INTEGER NOT NULL DEFAULT 0,
    "attached" INTEGER NOT NULL DEFAULT 0,
    "newMatched" INTEGER NOT NULL DEFAULT 0,
    "unmatched" INTEGER NOT NULL DEFAULT 0,
    "skipped" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,
    "startedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" DATETIME
);

-- AlterTable
ALTER TABLE "ShopSettings" ADD COLUMN "holdUntilReceiptKnown" BOOLEAN NOT NULL DEFAULT false;

-- CreateIndex
CREATE INDEX "PullRun_shopDomain_startedAt_idx" ON "PullRun"("shopDomain", "startedAt");

-- CreateIndex
CREATE UNIQUE INDEX "PullRun_accountId_windowStart_windowEnd_key" ON "PullRun"("accountId", "windowStart", "windowEnd");

