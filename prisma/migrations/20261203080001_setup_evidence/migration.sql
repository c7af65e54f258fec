-- CreateTable
CREATE TABLE "SetupEvidence" (
    "shopDomain" TEXT NOT NULL PRIMARY KEY,
    "firstExtensionRequestAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "firstExtensionPath" TEXT NOT NULL
);

