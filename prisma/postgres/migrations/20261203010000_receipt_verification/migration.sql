-- AlterTable
ALTER TABLE "ShopSettings" ADD COLUMN     "shopperVerifyByCode" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "ReceiptVerification" (
    "id" TEXT NOT NULL,
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
    "transTime" TIMESTAMP(3),
    "c2bPaymentId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "resolvedAt" TIMESTAMP(3),

    CONSTRAINT "ReceiptVerification_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "ReceiptVerification_liveReceipt_key" ON "ReceiptVerification"("liveReceipt");

-- CreateIndex
CREATE UNIQUE INDEX "ReceiptVerification_callbackTokenHash_key" ON "ReceiptVerification"("callbackTokenHash");

-- CreateIndex
CREATE INDEX "ReceiptVerification_shopDomain_createdAt_idx" ON "ReceiptVerification"("shopDomain", "createdAt");

-- CreateIndex
CREATE INDEX "ReceiptVerification_shopDomain_orderGid_idx" ON "ReceiptVerification"("shopDomain", "orderGid");

