-- AlterTable
ALTER TABLE "MpesaRefund" ADD COLUMN     "payerHash" TEXT,
ADD COLUMN     "payerMasked" TEXT;

