-- AlterTable
ALTER TABLE "MpesaAccount" ADD COLUMN     "balanceAnsweredAt" TIMESTAMP(3),
ADD COLUMN     "balanceError" TEXT,
ADD COLUMN     "balanceRequestedAt" TIMESTAMP(3),
ADD COLUMN     "balanceResult" TEXT,
ADD COLUMN     "balanceTokenHash" TEXT,
ADD COLUMN     "initiatorName" TEXT,
ADD COLUMN     "initiatorPasswordEnc" TEXT,
ADD COLUMN     "securityCredentialEnc" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "MpesaAccount_balanceTokenHash_key" ON "MpesaAccount"("balanceTokenHash");

