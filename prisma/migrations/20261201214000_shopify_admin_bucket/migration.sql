-- CreateTable
CREATE TABLE "ShopifyAdminBucket" (
    "shopDomain" TEXT NOT NULL PRIMARY KEY,
    "maximumAvailable" REAL NOT NULL,
    "restoreRate" REAL NOT NULL,
    "available" REAL NOT NULL,
    "observedAtMs" REAL NOT NULL,
    "calibrated" BOOLEAN NOT NULL DEFAULT false,
    "deferredUntilMs" REAL,
    "version" INTEGER NOT NULL DEFAULT 0
);

