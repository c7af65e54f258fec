-- AlterTable
ALTER TABLE "MpesaRefund" ADD COLUMN "payerHash" TEXT;
ALTER TABLE "MpesaRefund" ADD COLUMN "payerMasked" TEXT;

