-- AlterTable
ALTER TABLE "PaymentAttempt" ADD COLUMN "mpesaAccountId" TEXT;

-- Every attempt so far was sent for the shop's one account: the default the mpesa_accounts migration made.
UPDATE "PaymentAttempt" SET "mpesaAccountId" = (
  SELECT "id" FROM "MpesaAccount" WHERE "MpesaAccount"."defaultForShop" = "PaymentAttempt"."shopDomain"
);
