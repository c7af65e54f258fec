-- AlterTable
ALTER TABLE "MpesaAccount" ADD COLUMN "c2bRegisteringUntil" DATETIME;

