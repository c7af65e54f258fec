-- CreateTable
CREATE TABLE "ShopifyAdminBucket" (
    "shopDomain" TEXT NOT NULL,
    "maximumAvailable" DOUBLE PRECISION NOT NULL,
    "restoreRate" DOUBLE PRECISION NOT NULL,
    "available" DOUBLE PRECISION NOT NULL,
    "observedAtMs" DOUBLE PRECISION NOT NULL,
    "calibrated" BOOLEAN NOT NULL DEFAULT false,
    "deferredUntilMs" DOUBLE PRECISION,
    "version" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "ShopifyAdminBucket_pkey" PRIMARY KEY ("shopDomain")
);

