-- DropIndex
DROP INDEX "StatementRow_shopDomain_receipt_idx";

-- CreateIndex
CREATE INDEX "StatementRow_shopDomain_receipt_kind_idx" ON "StatementRow"("shopDomain", "receipt", "kind");

