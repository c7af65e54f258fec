-- AlterTable
ALTER TABLE "ShopSettings" ADD COLUMN     "holdUntilReceiptKnown" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "MpesaAccount" ADD COLUMN     "pullLastAttemptAt" TIMESTAMP(3),
ADD COLUMN     "pullLastError" TEXT,
ADD COLUMN     "pullLastPulledAt" TIMESTAMP(3),
ADD COLUMN     "pullNominatedNumber" TEXT,
ADD COLUMN     "pullRegisteredAt" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "PaymentAttempt" ADD COLUMN     "pendingClaimUntil" TIMESTAMP(3),
ADD COLUMN     "receiptAttachedAt" TIMESTAMP(3),
ADD COLUMN     "receiptFoundBy" TEXT,
ADD COLUMN     "receiptPendingSince" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "PullRun" (
    "id" TEXT NOT NULL,
    "shopDomain" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "shortCode" TEXT NOT NULL,
    "windowStart" TIMESTAMP(3) NOT NULL,
    "windowEnd" TIMESTAMP(3) NOT NULL,
    "trigger" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "leaseUntil" TIMESTAMP(3),
    "rows" INTEGER NOT NULL DEFAULT 0,
    "pages" INTEGER NOT NULL DEFAULT 0,
    "confirmed" INTEGER NOT NULL DEFAULT 0,
    "attached" INTEGER NOT NULL DEFAULT 0,
    "newMatched" INTEGER NOT NULL DEFAULT 0,
    "unmatched" INTEGER NOT NULL DEFAULT 0,
    "skipped" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "PullRun_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "PullRun_shopDomain_startedAt_idx" ON "PullRun"("shopDomain", "startedAt");

-- CreateIndex
CREATE UNIQUE INDEX "PullRun_accountId_windowStart_windowEnd_key" ON "PullRun"("accountId", "windowStart", "windowEnd");

