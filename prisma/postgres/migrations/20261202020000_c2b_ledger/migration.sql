-- AlterTable
ALTER TABLE "MpesaOrder" ADD COLUMN     "cancelledAt" TIMESTAMP(3),
ADD COLUMN     "confirmationKey" TEXT,
ADD COLUMN     "nameDigitsKey" TEXT,
ADD COLUMN     "nameKey" TEXT,
ADD COLUMN     "referenceKey" TEXT;

-- AlterTable
ALTER TABLE "CallbackLog" ADD COLUMN     "accountId" TEXT;

-- CreateTable
CREATE TABLE "C2bPayment" (
    "id" TEXT NOT NULL,
    "receipt" TEXT NOT NULL,
    "shopDomain" TEXT NOT NULL,
    "accountId" TEXT,
    "shortCode" TEXT NOT NULL,
    "transactionType" TEXT NOT NULL,
    "amountText" TEXT NOT NULL,
    "amountKes" INTEGER,
    "billRefRaw" TEXT NOT NULL,
    "billRefKey" TEXT NOT NULL,
    "payerKind" TEXT,
    "payer" TEXT,
    "payerName" TEXT,
    "transTime" TIMESTAMP(3) NOT NULL,
    "status" TEXT NOT NULL,
    "reason" TEXT,
    "reasonDetail" TEXT,
    "matchRule" TEXT,
    "orderGid" TEXT,
    "orderName" TEXT,
    "appliedKes" INTEGER,
    "surplusKes" INTEGER,
    "callbackLogId" TEXT,
    "recordedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "C2bPayment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "C2bAuditEntry" (
    "id" TEXT NOT NULL,
    "paymentId" TEXT NOT NULL,
    "shopDomain" TEXT NOT NULL,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "orderGid" TEXT,
    "orderName" TEXT,
    "note" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "C2bAuditEntry_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "C2bPayment_receipt_key" ON "C2bPayment"("receipt");

-- CreateIndex
CREATE INDEX "C2bPayment_shopDomain_status_createdAt_idx" ON "C2bPayment"("shopDomain", "status", "createdAt");

-- CreateIndex
CREATE INDEX "C2bPayment_shopDomain_orderGid_idx" ON "C2bPayment"("shopDomain", "orderGid");

-- CreateIndex
CREATE INDEX "C2bAuditEntry_paymentId_idx" ON "C2bAuditEntry"("paymentId");

-- CreateIndex
CREATE INDEX "C2bAuditEntry_shopDomain_createdAt_idx" ON "C2bAuditEntry"("shopDomain", "createdAt");

-- CreateIndex
CREATE INDEX "MpesaOrder_shopDomain_referenceKey_idx" ON "MpesaOrder"("shopDomain", "referenceKey");

-- CreateIndex
CREATE INDEX "MpesaOrder_shopDomain_nameKey_idx" ON "MpesaOrder"("shopDomain", "nameKey");

-- CreateIndex
CREATE INDEX "MpesaOrder_shopDomain_nameDigitsKey_idx" ON "MpesaOrder"("shopDomain", "nameDigitsKey");

-- CreateIndex
CREATE INDEX "MpesaOrder_shopDomain_confirmationKey_idx" ON "MpesaOrder"("shopDomain", "confirmationKey");

