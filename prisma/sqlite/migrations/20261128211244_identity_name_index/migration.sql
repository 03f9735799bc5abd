-- CreateIndex
CREATE INDEX "Identity_name_idx" ON "Identity"("name");

