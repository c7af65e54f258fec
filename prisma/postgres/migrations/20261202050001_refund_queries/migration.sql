-- AlterTable
ALTER TABLE "MpesaRefund" ADD COLUMN     "queueTimedOutAt" TIMESTAMP(3),
ADD COLUMN     "statusQueriedAt" TIMESTAMP(3);

