-- CreateTable
CREATE TABLE "MpesaAccount" (
    "id" TEXT NOT NULL,
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
    "c2bRegisteredAt" TIMESTAMP(3),
    "c2bRegisteredVersion" TEXT,
    "c2bRegisteredShortCode" TEXT,
    "c2bConfirmationUrl" TEXT,
    "c2bValidationUrl" TEXT,
    "c2bLastError" TEXT,
    "c2bLastAttemptAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "MpesaAccount_pkey" PRIMARY KEY ("id")
);

-- Move each shop's single Daraja account into its default receiving MpesaAccount. The sealed secrets
-- move unchanged, prefixed "shop:": they stay bound to the ShopSettings context they were sealed under
-- ("<shop>/<field>") until the next save of that secret or `npm run secrets:rotate` re-seals them.
INSERT INTO "MpesaAccount" ("id", "shopDomain", "purpose", "label", "kind", "environment", "businessShortCode", "tillNumber", "consumerKey", "consumerSecretEnc", "passkeyEnc", "defaultForShop", "createdAt", "updatedAt")
SELECT 'acct_' || replace(gen_random_uuid()::text, '-', ''), "shopDomain", 'RECEIVE', '',
       CASE WHEN "shortcodeType" = 'till' THEN 'till' ELSE 'paybill' END,
       CASE WHEN "environment" = 'production' THEN 'production' ELSE 'sandbox' END,
       "businessShortCode",
       CASE WHEN "shortcodeType" = 'till' THEN "tillNumber" ELSE NULL END,
       "consumerKey", 'shop:' || "consumerSecretEnc", 'shop:' || "passkeyEnc", "shopDomain", "createdAt", "updatedAt"
FROM "ShopSettings";

-- CreateIndex
CREATE UNIQUE INDEX "MpesaAccount_defaultForShop_key" ON "MpesaAccount"("defaultForShop");

-- CreateIndex
CREATE UNIQUE INDEX "MpesaAccount_c2bTokenHash_key" ON "MpesaAccount"("c2bTokenHash");

-- CreateIndex
CREATE INDEX "MpesaAccount_shopDomain_purpose_idx" ON "MpesaAccount"("shopDomain", "purpose");

-- AlterTable
ALTER TABLE "ShopSettings" DROP COLUMN "businessShortCode",
DROP COLUMN "consumerKey",
DROP COLUMN "consumerSecretEnc",
DROP COLUMN "environment",
DROP COLUMN "passkeyEnc",
DROP COLUMN "shortcodeType",
DROP COLUMN "tillNumber";
