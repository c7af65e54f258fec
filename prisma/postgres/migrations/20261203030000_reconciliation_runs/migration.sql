-- AlterTable
ALTER TABLE "ShopSettings" ADD COLUMN     "dailySummaryEmail" BOOLEAN,
ADD COLUMN     "operationsEmail" TEXT,
ADD COLUMN     "receiptPendingHours" INTEGER,
ADD COLUMN     "reconcileAtEat" TEXT;

-- CreateTable
CREATE TABLE "ReconciliationRun" (
    "id" TEXT NOT NULL,
    "shopDomain" TEXT NOT NULL,
    "windowFrom" TIMESTAMP(3) NOT NULL,
    "windowTo" TIMESTAMP(3) NOT NULL,
    "trigger" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "claimToken" TEXT,
    "claimUntil" TIMESTAMP(3),
    "runs" INTEGER NOT NULL DEFAULT 0,
    "fingerprint" TEXT,
    "summary" TEXT,
    "itemCount" INTEGER NOT NULL DEFAULT 0,
    "needsPerson" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,
    "alertFingerprint" TEXT,
    "summaryFingerprint" TEXT,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ReconciliationRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ReconciliationItem" (
    "id" TEXT NOT NULL,
    "runId" TEXT NOT NULL,
    "shopDomain" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "severity" TEXT NOT NULL,
    "receipt" TEXT,
    "orderGid" TEXT,
    "orderName" TEXT,
    "attemptId" TEXT,
    "paymentId" TEXT,
    "refundId" TEXT,
    "amountKes" INTEGER,
    "otherKes" INTEGER,
    "occurredAt" TIMESTAMP(3),
    "detail" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ReconciliationItem_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ReconciliationHandled" (
    "id" TEXT NOT NULL,
    "shopDomain" TEXT NOT NULL,
    "itemKey" TEXT NOT NULL,
    "note" TEXT NOT NULL,
    "actor" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ReconciliationHandled_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ReconciliationRun_shopDomain_createdAt_idx" ON "ReconciliationRun"("shopDomain", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "ReconciliationRun_shopDomain_windowFrom_windowTo_key" ON "ReconciliationRun"("shopDomain", "windowFrom", "windowTo");

-- CreateIndex
CREATE INDEX "ReconciliationItem_shopDomain_key_idx" ON "ReconciliationItem"("shopDomain", "key");

-- CreateIndex
CREATE UNIQUE INDEX "ReconciliationItem_runId_key_key" ON "ReconciliationItem"("runId", "key");

-- CreateIndex
CREATE UNIQUE INDEX "ReconciliationHandled_shopDomain_itemKey_key" ON "ReconciliationHandled"("shopDomain", "itemKey");

