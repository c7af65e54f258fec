-- CreateTable
CREATE TABLE "ReceiptVerification" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopDomain" TEXT NOT NULL,
    "orderGid" TEXT NOT NULL,
    "orderName" TEXT,
    "receipt" TEXT NOT NULL,
    "liveReceipt" TEXT,
    "source" TEXT NOT NULL,
    "actor" TEXT NOT NULL,
    "accountId" TEXT,
    "shortCode" TEXT NOT NULL,
    "expectedKes" INTEGER NOT NULL,
    "allowOverpayment" BOOLEAN NOT NULL DEFAULT false,
    "state" TEXT NOT NULL DEFAULT 'PENDING',
    "reason" TEXT,
    "message" TEXT,
    "callbackTokenHash" TEXT NOT NULL,
    "conversationId" TEXT,
    "amountKes" INTEGER,
    "transTime" DATETIME,
    "c2bPaymentId" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "resolvedAt" DATETIME
);

-- AlterTable
ALTER TABLE "ShopSettings" ADD COLUMN "shopperVerifyByCode" BOOLEAN NOT NULL DEFAULT false;

-- CreateIndex
CREATE UNIQUE INDEX "ReceiptVerification_liveReceipt_key" ON "ReceiptVerification"("liveReceipt");

-- CreateIndex
CREATE UNIQUE INDEX "ReceiptVerification_callbackTokenHash_key" ON "ReceiptVerification"("callbackTokenHash");

-- CreateIndex
CREATE INDEX "ReceiptVerification_shopDomain_createdAt_idx" ON "ReceiptVerification"("shopDomain", "createdAt");

-- CreateIndex
CREATE INDEX "ReceiptVerification_shopDomain_orderGid_idx" ON "ReceiptVerification"("shopDomain", "orderGid");

