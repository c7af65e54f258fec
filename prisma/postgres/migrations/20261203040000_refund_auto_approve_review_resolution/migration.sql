-- AlterTable
ALTER TABLE "ShopSettings" ADD COLUMN     "refundAutoApproveMaxKes" INTEGER;

-- CreateTable
CREATE TABLE "PaymentReviewResolution" (
    "id" TEXT NOT NULL,
    "attemptId" TEXT NOT NULL,
    "shopDomain" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "note" TEXT,
    "refundId" TEXT,
    "resolvedBy" TEXT NOT NULL,
    "resolvedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PaymentReviewResolution_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "PaymentReviewResolution_attemptId_key" ON "PaymentReviewResolution"("attemptId");

-- CreateIndex
CREATE INDEX "PaymentReviewResolution_shopDomain_idx" ON "PaymentReviewResolution"("shopDomain");

-- AddForeignKey
ALTER TABLE "PaymentReviewResolution" ADD CONSTRAINT "PaymentReviewResolution_attemptId_fkey" FOREIGN KEY ("attemptId") REFERENCES "PaymentAttempt"("id") ON DELETE CASCADE ON UPDATE CASCADE;

