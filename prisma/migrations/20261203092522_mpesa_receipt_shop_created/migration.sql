-- CreateIndex
CREATE INDEX "MpesaReceipt_shopDomain_createdAt_idx" ON "MpesaReceipt"("shopDomain", "createdAt");

