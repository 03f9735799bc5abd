-- AlterTable
ALTER TABLE "TrainingRun" ADD COLUMN "holder" TEXT;

-- CreateTable
CREATE TABLE "ChangeLog" (
    "seq" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "kind" TEXT NOT NULL,
    "modelVersion" TEXT,
    "imageId" TEXT,
    "label" INTEGER,
    "identityId" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateIndex
CREATE INDEX "ChangeLog_createdAt_idx" ON "ChangeLog"("createdAt");

