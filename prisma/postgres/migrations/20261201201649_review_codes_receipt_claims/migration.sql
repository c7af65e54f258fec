-- CreateEnum
CREATE TYPE "ReviewCode" AS ENUM ('AMOUNT_SHORT', 'QUERY_CONTRADICTS', 'DUPLICATE_RECEIPT', 'SECOND_PAYMENT_REFUND', 'LATE_SUCCESS', 'RECEIPT_UNKNOWN', 'UNKNOWN_AFTER_QUERIES', 'SANDBOX_ON_LIVE_STORE', 'UNCLASSIFIED');

-- AlterTable
ALTER TABLE "ShopSettings" ADD COLUMN     "allowSandboxOnLiveStore" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "PaymentAttempt" ADD COLUMN     "reviewCode" "ReviewCode",
ADD COLUMN     "reviewDetail" TEXT;

-- Data: the old reviewReason "CODE: text" is split into reviewCode (a ReviewCode) and reviewDetail
-- (the text after the first colon). A reason naming no known code keeps its whole text as the
-- detail under UNCLASSIFIED, so nothing a merchant was told is lost.
UPDATE "PaymentAttempt" SET
  "reviewCode" = (CASE WHEN trim(split_part("reviewReason", ':', 1)) IN ('AMOUNT_SHORT', 'QUERY_CONTRADICTS', 'DUPLICATE_RECEIPT', 'SECOND_PAYMENT_REFUND', 'LATE_SUCCESS', 'RECEIPT_UNKNOWN', 'UNKNOWN_AFTER_QUERIES', 'SANDBOX_ON_LIVE_STORE') THEN trim(split_part("reviewReason", ':', 1)) ELSE 'UNCLASSIFIED' END)::"ReviewCode",
  "reviewDetail" = CASE WHEN trim(split_part("reviewReason", ':', 1)) IN ('AMOUNT_SHORT', 'QUERY_CONTRADICTS', 'DUPLICATE_RECEIPT', 'SECOND_PAYMENT_REFUND', 'LATE_SUCCESS', 'RECEIPT_UNKNOWN', 'UNKNOWN_AFTER_QUERIES', 'SANDBOX_ON_LIVE_STORE') THEN CASE WHEN position(':' in "reviewReason") > 0 THEN nullif(trim(substr("reviewReason", position(':' in "reviewReason") + 1)), '') ELSE NULL END ELSE "reviewReason" END
WHERE "reviewReason" IS NOT NULL;

ALTER TABLE "PaymentAttempt" DROP COLUMN "reviewReason";

-- AlterTable
ALTER TABLE "MpesaReceipt" ADD COLUMN     "shopifyClaimToken" TEXT,
ADD COLUMN     "shopifyClaimUntil" TIMESTAMP(3),
ADD COLUMN     "shopifyRecordedAt" TIMESTAMP(3);

