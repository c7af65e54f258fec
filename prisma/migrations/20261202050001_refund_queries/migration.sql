-- AlterTable
ALTER TABLE "MpesaRefund" ADD COLUMN "queueTimedOutAt" DATETIME;
ALTER TABLE "MpesaRefund" ADD COLUMN "statusQueriedAt" DATETIME;

