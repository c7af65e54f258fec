-- AlterTable
ALTER TABLE "MpesaAccount" ADD COLUMN "balanceAnsweredAt" DATETIME;
ALTER TABLE "MpesaAccount" ADD COLUMN "balanceError" TEXT;
ALTER TABLE "MpesaAccount" ADD COLUMN "balanceRequestedAt" DATETIME;
ALTER TABLE "MpesaAccount" ADD COLUMN "balanceResult" TEXT;
ALTER TABLE "MpesaAccount" ADD COLUMN "balanceTokenHash" TEXT;
ALTER TABLE "MpesaAccount" ADD COLUMN "initiatorName" TEXT;
ALTER TABLE "MpesaAccount" ADD COLUMN "initiatorPasswordEnc" TEXT;
ALTER TABLE "MpesaAccount" ADD COLUMN "securityCredentialEnc" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "MpesaAccount_balanceTokenHash_key" ON "MpesaAccount"("balanceTokenHash");

