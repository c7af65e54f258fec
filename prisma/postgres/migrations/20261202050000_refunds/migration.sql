-- AlterTable
ALTER TABLE "MpesaReceipt" ADD COLUMN     "refundedKes" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "CallbackLog" ADD COLUMN     "refundId" TEXT;

-- CreateTable
CREATE TABLE "MpesaRefund" (
    "id" TEXT NOT NULL,
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
    "approvedAt" TIMESTAMP(3),
    "balanceRequestedAt" TIMESTAMP(3),
    "balanceCheckedAt" TIMESTAMP(3),
    "sendCount" INTEGER NOT NULL DEFAULT 0,
    "statusQueries" INTEGER NOT NULL DEFAULT 0,
    "sentAt" TIMESTAMP(3),
    "settledAt" TIMESTAMP(3),
    "recordedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "MpesaRefund_pkey" PRIMARY KEY ("id")
);

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

