-- CreateTable
CREATE TABLE "MpesaAccount" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopDomain" TEXT NOT NULL,
    "purpose" TEXT NOT NULL DEFAULT 'RECEIVE',
    "label" TEXT NOT NULL DEFAULT '',
    "kind" TEXT NOT NULL,
    "environment" TEXT NOT NULL,
    "businessShortCode" TEXT NOT NULL,
    "tillNumber" TEXT,
    "consumerKey" TEXT NOT NULL,
    "consumerSecretEnc" TEXT NOT NULL,
    "passkeyEnc" TEXT NOT NULL,
    "defaultForShop" TEXT,
    "c2bVersion" TEXT NOT NULL DEFAULT 'v2',
    "c2bResponseType" TEXT NOT NULL DEFAULT 'Completed',
    "c2bValidationEnabled" BOOLEAN NOT NULL DEFAULT false,
    "c2bTokenHash" TEXT,
    "c2bRegisteredAt" DATETIME,
    "c2bRegisteredVersion" TEXT,
    "c2bRegisteredShortCode" TEXT,
    "c2bConfirmationUrl" TEXT,
    "c2bValidationUrl" TEXT,
    "c2bLastError" TEXT,
    "c2bLastAttemptAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- Move each shop's single Daraja account into its default receiving MpesaAccount. The sealed secrets
-- move unchanged, prefixed "shop:": they stay bound to the ShopSettings context they were sealed under
-- ("<shop>/<field>") until the next save of that secret or `npm run secrets:rotate` re-seals them.
INSERT INTO "MpesaAccount" ("id", "shopDomain", "purpose", "label", "kind", "environment", "businessShortCode", "tillNumber", "consumerKey", "consumerSecretEnc", "passkeyEnc", "defaultForShop", "createdAt", "updatedAt")
SELECT 'acct_' || lower(hex(randomblob(12))), "shopDomain", 'RECEIVE', '',
       CASE WHEN "shortcodeType" = 'till' THEN 'till' ELSE 'paybill' END,
       CASE WHEN "environment" = 'production' THEN 'production' ELSE 'sandbox' END,
       "businessShortCode",
       CASE WHEN "shortcodeType" = 'till' THEN "tillNumber" ELSE NULL END,
       "consumerKey", 'shop:' || "consumerSecretEnc", 'shop:' || "passkeyEnc", "shopDomain", "createdAt", "updatedAt"
FROM "ShopSettings";

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_ShopSettings" (
    "shopDomain" TEXT NOT NULL PRIMARY KEY,
    "paymentMethodName" TEXT NOT NULL DEFAULT 'M-PESA',
    "accountReferenceTemplate" TEXT NOT NULL DEFAULT '{order_number}',
    "initiatorName" TEXT,
    "initiatorPasswordEnc" TEXT,
    "securityCredentialEnc" TEXT,
    "allowSandboxOnLiveStore" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);
INSERT INTO "new_ShopSettings" ("accountReferenceTemplate", "allowSandboxOnLiveStore", "createdAt", "initiatorName", "initiatorPasswordEnc", "paymentMethodName", "securityCredentialEnc", "shopDomain", "updatedAt") SELECT "accountReferenceTemplate", "allowSandboxOnLiveStore", "createdAt", "initiatorName", "initiatorPasswordEnc", "paymentMethodName", "securityCredentialEnc", "shopDomain", "updatedAt" FROM "ShopSettings";
DROP TABLE "ShopSettings";
ALTER TABLE "new_ShopSettings" RENAME TO "ShopSettings";
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE UNIQUE INDEX "MpesaAccount_defaultForShop_key" ON "MpesaAccount"("defaultForShop");

-- CreateIndex
CREATE UNIQUE INDEX "MpesaAccount_c2bTokenHash_key" ON "MpesaAccount"("c2bTokenHash");

-- CreateIndex
CREATE INDEX "MpesaAccount_shopDomain_purpose_idx" ON "MpesaAccount"("shopDomain", "purpose");

