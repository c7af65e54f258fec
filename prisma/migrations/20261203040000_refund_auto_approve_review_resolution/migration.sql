-- AlterTable
ALTER TABLE "ShopSettings" ADD COLUMN "refundAutoApproveMaxKes" INTEGER;

-- CreateTable
CREATE TABLE "PaymentReviewResolution" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "attemptId" TEXT NOT NULL,
    "shopDomain" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "note" TEXT,
    "refundId" TEXT,
    "resolvedBy" TEXT NOT NULL,
    "resolvedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "PaymentReviewResolution_attemptId_fkey" FOREIGN KEY ("attemptId") REFERENCES "PaymentAttempt" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE UNIQUE INDEX "PaymentReviewResolution_attemptId_key" ON "PaymentReviewResolution"("attemptId");

-- CreateIndex
CREATE INDEX "PaymentReviewResolution_shopDomain_idx" ON "PaymentReviewResolution"("shopDomain");

