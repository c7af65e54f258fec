-- CreateTable
CREATE TABLE "StatementImport" (
    "id" TEXT NOT NULL,
    "shopDomain" TEXT NOT NULL,
    "shortCode" TEXT,
    "fileName" TEXT NOT NULL,
    "fileBytes" INTEGER NOT NULL,
    "fileSha256" TEXT NOT NULL,
    "format" TEXT,
    "status" TEXT NOT NULL,
    "problems" TEXT,
    "warnings" TEXT,
    "accountHolder" TEXT,
    "account" TEXT,
    "periodFrom" TIMESTAMP(3),
    "periodTo" TIMESTAMP(3),
    "reportedAt" TIMESTAMP(3),
    "totalPaidInCents" BIGINT,
    "totalWithdrawnCents" BIGINT,
    "rowCount" INTEGER NOT NULL DEFAULT 0,
    "newRows" INTEGER NOT NULL DEFAULT 0,
    "knownRows" INTEGER NOT NULL DEFAULT 0,
    "conflictingRows" INTEGER NOT NULL DEFAULT 0,
    "notCompleted" INTEGER NOT NULL DEFAULT 0,
    "duplicatesCollapsed" INTEGER NOT NULL DEFAULT 0,
    "importedBy" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "StatementImport_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "StatementRow" (
    "id" TEXT NOT NULL,
    "shopDomain" TEXT NOT NULL,
    "shortCode" TEXT NOT NULL,
    "receipt" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "amountKes" INTEGER NOT NULL,
    "completedAt" TIMESTAMP(3) NOT NULL,
    "initiatedAt" TIMESTAMP(3),
    "details" TEXT NOT NULL,
    "reasonType" TEXT,
    "overdraft" BOOLEAN NOT NULL DEFAULT false,
    "otherPartyMsisdn" TEXT,
    "otherPartyName" TEXT,
    "linkedTransactionId" TEXT,
    "accountNoRaw" TEXT,
    "accountNo" TEXT,
    "balanceCents" BIGINT,
    "importId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "StatementRow_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "StatementImport_shopDomain_createdAt_idx" ON "StatementImport"("shopDomain", "createdAt");

-- CreateIndex
CREATE INDEX "StatementRow_shopDomain_completedAt_idx" ON "StatementRow"("shopDomain", "completedAt");

-- CreateIndex
CREATE INDEX "StatementRow_shopDomain_receipt_idx" ON "StatementRow"("shopDomain", "receipt");

-- CreateIndex
CREATE INDEX "StatementRow_importId_idx" ON "StatementRow"("importId");

-- CreateIndex
CREATE UNIQUE INDEX "StatementRow_shopDomain_shortCode_receipt_kind_key" ON "StatementRow"("shopDomain", "shortCode", "receipt", "kind");

