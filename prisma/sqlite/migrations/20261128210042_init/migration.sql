-- CreateTable
CREATE TABLE "Identity" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "metadata" JSONB,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "EnrolledImage" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "identityId" TEXT NOT NULL,
    "bytes" BLOB NOT NULL,
    "sha256" TEXT NOT NULL,
    "mimeType" TEXT NOT NULL,
    "width" INTEGER NOT NULL,
    "height" INTEGER NOT NULL,
    "byteSize" INTEGER NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "EnrolledImage_identityId_fkey" FOREIGN KEY ("identityId") REFERENCES "Identity" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Embedding" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "imageId" TEXT NOT NULL,
    "modelVersion" TEXT NOT NULL,
    "vector" BLOB NOT NULL,
    "dimension" INTEGER NOT NULL,
    "label" INTEGER NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Embedding_imageId_fkey" FOREIGN KEY ("imageId") REFERENCES "EnrolledImage" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "LabelledPair" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "imageAId" TEXT,
    "imageABytes" BLOB,
    "imageASha256" TEXT NOT NULL,
    "imageBId" TEXT,
    "imageBBytes" BLOB,
    "imageBSha256" TEXT NOT NULL,
    "same" BOOLEAN NOT NULL,
    "weight" REAL NOT NULL DEFAULT 1,
    "source" TEXT NOT NULL,
    "note" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "LabelledPair_imageAId_fkey" FOREIGN KEY ("imageAId") REFERENCES "EnrolledImage" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "LabelledPair_imageBId_fkey" FOREIGN KEY ("imageBId") REFERENCES "EnrolledImage" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "ModelVersion" (
    "version" TEXT NOT NULL PRIMARY KEY,
    "dir" TEXT NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "metric" TEXT NOT NULL,
    "card" JSONB NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT false,
    "activatedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "TrainingRun" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "status" TEXT NOT NULL,
    "options" JSONB NOT NULL,
    "progress" JSONB,
    "metrics" JSONB,
    "baseModelVersion" TEXT,
    "newModelVersion" TEXT,
    "error" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" DATETIME,
    "finishedAt" DATETIME,
    "heartbeatAt" DATETIME,
    "activeSlot" TEXT
);

-- CreateTable
CREATE TABLE "LabelSequence" (
    "modelVersion" TEXT NOT NULL PRIMARY KEY,
    "next" INTEGER NOT NULL DEFAULT 0
);

-- CreateIndex
CREATE INDEX "Identity_createdAt_id_idx" ON "Identity"("createdAt", "id");

-- CreateIndex
CREATE INDEX "EnrolledImage_identityId_idx" ON "EnrolledImage"("identityId");

-- CreateIndex
CREATE INDEX "EnrolledImage_sha256_idx" ON "EnrolledImage"("sha256");

-- CreateIndex
CREATE UNIQUE INDEX "Embedding_imageId_modelVersion_key" ON "Embedding"("imageId", "modelVersion");

-- CreateIndex
CREATE UNIQUE INDEX "Embedding_modelVersion_label_key" ON "Embedding"("modelVersion", "label");

-- CreateIndex
CREATE INDEX "LabelledPair_createdAt_id_idx" ON "LabelledPair"("createdAt", "id");

-- CreateIndex
CREATE INDEX "LabelledPair_imageAId_idx" ON "LabelledPair"("imageAId");

-- CreateIndex
CREATE INDEX "LabelledPair_imageBId_idx" ON "LabelledPair"("imageBId");

-- CreateIndex
CREATE INDEX "ModelVersion_active_idx" ON "ModelVersion"("active");

-- CreateIndex
CREATE UNIQUE INDEX "TrainingRun_activeSlot_key" ON "TrainingRun"("activeSlot");

-- CreateIndex
CREATE INDEX "TrainingRun_status_idx" ON "TrainingRun"("status");

-- CreateIndex
CREATE INDEX "TrainingRun_createdAt_id_idx" ON "TrainingRun"("createdAt", "id");

