-- AlterTable
ALTER TABLE "CallbackLog" ADD COLUMN "refundId" TEXT;

-- CreateTable
CREATE TABLE "MpesaRefund" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopDomain" TEXT NOT NULL,
    "orderGid" TEXT NOT NULL,
    "receipt" TEXT NOT NULL,
    "amountKes" INTEGER NOT NULL,
    "method" TEXT NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'PENDING_APPROVAL',
    "initiatedBy" TEXT NOT NULL,
    "sourceKey" TEXT NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "callbackTokenHash" TEXT NOT NULL,
    "phone" TEXT,
    "shopifyRefundGid" TEXT,
    "parentTransactionGid" TEXT,
    "conversationId" TEXT,
    "originatorConversationId" TEXT,
    "resultCode" TEXT,
    "resultDesc" TEXT,
    "mpesaTransactionId" TEXT,
    "note" TEXT,
    "approvedBy" TEXT,
    "approvedAt" DATETIME,
    "balanceRequestedAt" DATETIME,
    "balanceCheckedAt" DATETIME,
    "sendCount" INTEGER NOT NULL DEFAULT 0,
    "statusQueries" INTEGER NOT NULL DEFAULT 0,
    "sentAt" DATETIME,
    "settledAt" DATETIME,
    "recordedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_MpesaReceipt" (
    "receipt" TEXT NOT NULL PRIMARY KEY,
    "shopDomain" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "attemptId" TEXT,
    "orderGid" TEXT,
    "amountKes" INTEGER NOT NULL,
    "shopifyClaimToken" TEXT,
    "shopifyClaimUntil" DATETIME,
    "shopifyRecordedAt" DATETIME,
    "refundedKes" INTEGER NOT NULL DEFAULT 0,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
INSERT INTO "new_MpesaReceipt" ("amountKes", "attemptId", "channel", "createdAt", "orderGid", "receipt", "shopDomain", "shopifyClaimToken", "shopifyClaimUntil", "shopifyRecordedAt") SELECT "amountKes", "attemptId", "channel", "createdAt", "orderGid", "receipt", "shopDomain", "shopifyClaimToken", "shopifyClaimUntil", "shopifyRecordedAt" FROM "MpesaReceipt";
DROP TABLE "MpesaReceipt";
ALTER TABLE "new_MpesaReceipt" RENAME TO "MpesaReceipt";
CREATE INDEX "MpesaReceipt_shopDomain_idx" ON "MpesaReceipt"("shopDomain");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE UNIQUE INDEX "MpesaRefund_sourceKey_key" ON "MpesaRefund"("sourceKey");

-- CreateIndex
CREATE UNIQUE INDEX "MpesaRefund_idempotencyKey_key" ON "MpesaRefund"("idempotencyKey");

-- CreateIndex
CREATE UNIQUE INDEX "MpesaRefund_callbackTokenHash_key" ON "MpesaRefund"("callbackTokenHash");

-- CreateIndex
CREATE UNIQUE INDEX "MpesaRefund_mpesaTransactionId_key" ON "MpesaRefund"("mpesaTransactionId");

-- CreateIndex
CREATE INDEX "MpesaRefund_shopDomain_createdAt_idx" ON "MpesaRefund"("shopDomain", "createdAt");

-- CreateIndex
CREATE INDEX "MpesaRefund_shopDomain_orderGid_idx" ON "MpesaRefund"("shopDomain", "orderGid");

-- CreateIndex
CREATE INDEX "MpesaRefund_receipt_idx" ON "MpesaRefund"("receipt");

-- CreateIndex
CREATE INDEX "MpesaRefund_state_updatedAt_idx" ON "MpesaRefund"("state", "updatedAt");

-- CreateIndex
CREATE INDEX "CallbackLog_refundId_idx" ON "CallbackLog"("refundId");

