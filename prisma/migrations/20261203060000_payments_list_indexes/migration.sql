-- CreateIndex
CREATE INDEX "C2bPayment_shopDomain_transTime_idx" ON "C2bPayment"("shopDomain", "transTime");

