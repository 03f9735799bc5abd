-- AlterTable
ALTER TABLE "Identity" ADD COLUMN     "nameKey" TEXT;

-- CreateTable
CREATE TABLE "LabelledPairSubject" (
    "pairId" TEXT NOT NULL,
    "identityId" TEXT NOT NULL,

    CONSTRAINT "LabelledPairSubject_pkey" PRIMARY KEY ("pairId","identityId")
);

-- CreateTable
CREATE TABLE "Erasure" (
    "id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "targetId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Erasure_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ApiKey" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "keyHash" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "ApiKey_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "LabelledPairSubject_identityId_idx" ON "LabelledPairSubject"("identityId");

-- CreateIndex
CREATE INDEX "Erasure_createdAt_idx" ON "Erasure"("createdAt");

-- CreateIndex
CREATE INDEX "Erasure_targetId_idx" ON "Erasure"("targetId");

-- CreateIndex
CREATE UNIQUE INDEX "ApiKey_keyHash_key" ON "ApiKey"("keyHash");

-- CreateIndex
CREATE INDEX "ApiKey_createdAt_id_idx" ON "ApiKey"("createdAt", "id");

-- CreateIndex
CREATE UNIQUE INDEX "Identity_nameKey_key" ON "Identity"("nameKey");

-- AddForeignKey
ALTER TABLE "LabelledPairSubject" ADD CONSTRAINT "LabelledPairSubject_pairId_fkey" FOREIGN KEY ("pairId") REFERENCES "LabelledPair"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LabelledPairSubject" ADD CONSTRAINT "LabelledPairSubject_identityId_fkey" FOREIGN KEY ("identityId") REFERENCES "Identity"("id") ON DELETE CASCADE ON UPDATE CASCADE;

