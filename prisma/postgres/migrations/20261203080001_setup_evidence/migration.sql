-- CreateTable
CREATE TABLE "SetupEvidence" (
    "shopDomain" TEXT NOT NULL,
    "firstExtensionRequestAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "firstExtensionPath" TEXT NOT NULL,

    CONSTRAINT "SetupEvidence_pkey" PRIMARY KEY ("shopDomain")
);

