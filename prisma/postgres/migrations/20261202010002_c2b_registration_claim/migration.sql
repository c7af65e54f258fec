-- AlterTable
ALTER TABLE "MpesaAccount" ADD COLUMN     "c2bRegisteringUntil" TIMESTAMP(3);

