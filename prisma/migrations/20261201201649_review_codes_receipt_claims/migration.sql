-- AlterTable
ALTER TABLE "MpesaReceipt" ADD COLUMN "shopifyClaimToken" TEXT;
ALTER TABLE "MpesaReceipt" ADD COLUMN "shopifyClaimUntil" DATETIME;
ALTER TABLE "MpesaReceipt" ADD COLUMN "shopifyRecordedAt" DATETIME;

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_ShopSettings" (
    "shopDomain" TEXT NOT NULL PRIMARY KEY,
    "environment" TEXT NOT NULL,
    "shortcodeType" TEXT NOT NULL,
    "businessShortCode" TEXT NOT NULL,
    "tillNumber" TEXT,
    "consumerKey" TEXT NOT NULL,
    "consumerSecretEnc" TEXT NOT NULL,
    "passkeyEnc" TEXT NOT NULL,
    "paymentMethodName" TEXT NOT NULL DEFAULT 'M-PESA',
    "accountReferenceTemplate" TEXT NOT NULL DEFAULT '{order_number}',
    "initiatorName" TEXT,
    "initiatorPasswordEnc" TEXT,
    "securityCredentialEnc" TEXT,
    "allowSandboxOnLiveStore" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);
INSERT INTO "new_ShopSettings" ("accountReferenceTemplate", "businessShortCode", "consumerKey", "consumerSecretEnc", "createdAt", "environment", "initiatorName", "initiatorPasswordEnc", "passkeyEnc", "paymentMethodName", "securityCredentialEnc", "shopDomain", "shortcodeType", "tillNumber", "updatedAt") SELECT "accountReferenceTemplate", "businessShortCode", "consumerKey", "consumerSecretEnc", "createdAt", "environment", "initiatorName", "initiatorPasswordEnc", "passkeyEnc", "paymentMethodName", "securityCredentialEnc", "shopDomain", "shortcodeType", "tillNumber", "updatedAt" FROM "ShopSettings";
DROP TABLE "ShopSettings";
ALTER TABLE "new_ShopSettings" RENAME TO "ShopSettings";
CREATE TABLE "new_PaymentAttempt" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopDomain" TEXT NOT NULL,
    "orderGid" TEXT NOT NULL,
    "orderName" TEXT,
    "amountKes" INTEGER NOT NULL,
    "msisdn" TEXT,
    "environment" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'PENDING',
    "liveKey" TEXT,
    "callbackTokenHash" TEXT NOT NULL,
    "merchantRequestId" TEXT,
    "checkoutRequestId" TEXT,
    "resultCode" TEXT,
    "resultDesc" TEXT,
    "mpesaReceipt" TEXT,
    "paidAmountKes" INTEGER,
    "transactionDate" DATETIME,
    "reviewCode" TEXT,
    "reviewDetail" TEXT,
    "failureStage" TEXT,
    "recordedInShopifyAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    "completedAt" DATETIME
);
-- Data: the old reviewReason "CODE: text" is split into reviewCode (a ReviewCode) and reviewDetail
-- (the text after the first colon). A reason naming no known code keeps its whole text as the
-- detail under UNCLASSIFIED, so nothing a merchant was told is lost.
INSERT INTO "new_PaymentAttempt" ("amountKes", "callbackTokenHash", "checkoutRequestId", "completedAt", "createdAt", "environment", "failureStage", "id", "liveKey", "merchantRequestId", "mpesaReceipt", "msisdn", "orderGid", "orderName", "paidAmountKes", "recordedInShopifyAt", "resultCode", "resultDesc", "reviewCode", "reviewDetail", "shopDomain", "status", "transactionDate", "updatedAt") SELECT "amountKes", "callbackTokenHash", "checkoutRequestId", "completedAt", "createdAt", "environment", "failureStage", "id", "liveKey", "merchantRequestId", "mpesaReceipt", "msisdn", "orderGid", "orderName", "paidAmountKes", "recordedInShopifyAt", "resultCode", "resultDesc", CASE WHEN "reviewReason" IS NULL THEN NULL WHEN (CASE WHEN instr("reviewReason", ':') > 0 THEN trim(substr("reviewReason", 1, instr("reviewReason", ':') - 1)) ELSE trim("reviewReason") END) IN ('AMOUNT_SHORT', 'QUERY_CONTRADICTS', 'DUPLICATE_RECEIPT', 'SECOND_PAYMENT_REFUND', 'LATE_SUCCESS', 'RECEIPT_UNKNOWN', 'UNKNOWN_AFTER_QUERIES', 'SANDBOX_ON_LIVE_STORE') THEN (CASE WHEN instr("reviewReason", ':') > 0 THEN trim(substr("reviewReason", 1, instr("reviewReason", ':') - 1)) ELSE trim("reviewReason") END) ELSE 'UNCLASSIFIED' END, CASE WHEN "reviewReason" IS NULL THEN NULL WHEN (CASE WHEN instr("reviewReason", ':') > 0 THEN trim(substr("reviewReason", 1, instr("reviewReason", ':') - 1)) ELSE trim("reviewReason") END) IN ('AMOUNT_SHORT', 'QUERY_CONTRADICTS', 'DUPLICATE_RECEIPT', 'SECOND_PAYMENT_REFUND', 'LATE_SUCCESS', 'RECEIPT_UNKNOWN', 'UNKNOWN_AFTER_QUERIES', 'SANDBOX_ON_LIVE_STORE') THEN (CASE WHEN instr("reviewReason", ':') > 0 THEN nullif(trim(substr("reviewReason", instr("reviewReason", ':') + 1)), '') ELSE NULL END) ELSE "reviewReason" END, "shopDomain", "status", "transactionDate", "updatedAt" FROM "PaymentAttempt";
DROP TABLE "PaymentAttempt";
ALTER TABLE "new_PaymentAttempt" RENAME TO "PaymentAttempt";
CREATE UNIQUE INDEX "PaymentAttempt_liveKey_key" ON "PaymentAttempt"("liveKey");
CREATE UNIQUE INDEX "PaymentAttempt_callbackTokenHash_key" ON "PaymentAttempt"("callbackTokenHash");
CREATE UNIQUE INDEX "PaymentAttempt_checkoutRequestId_key" ON "PaymentAttempt"("checkoutRequestId");
CREATE UNIQUE INDEX "PaymentAttempt_mpesaReceipt_key" ON "PaymentAttempt"("mpesaReceipt");
CREATE INDEX "PaymentAttempt_shopDomain_orderGid_idx" ON "PaymentAttempt"("shopDomain", "orderGid");
CREATE INDEX "PaymentAttempt_shopDomain_createdAt_idx" ON "PaymentAttempt"("shopDomain", "createdAt");
CREATE INDEX "PaymentAttempt_status_createdAt_idx" ON "PaymentAttempt"("status", "createdAt");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

