-- AlterTable
ALTER TABLE "PaymentAttempt" ADD COLUMN "phoneMatchesOrder" BOOLEAN;

