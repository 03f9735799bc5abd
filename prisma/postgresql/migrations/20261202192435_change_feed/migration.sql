-- AlterTable
ALTER TABLE "TrainingRun" ADD COLUMN     "holder" TEXT;

-- CreateTable
CREATE TABLE "ChangeLog" (
    "seq" SERIAL NOT NULL,
    "kind" TEXT NOT NULL,
    "modelVersion" TEXT,
    "imageId" TEXT,
    "label" INTEGER,
    "identityId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ChangeLog_pkey" PRIMARY KEY ("seq")
);

-- CreateIndex
CREATE INDEX "ChangeLog_createdAt_idx" ON "ChangeLog"("createdAt");

