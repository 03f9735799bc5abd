-- CreateTable
CREATE TABLE "Identity" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "metadata" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Identity_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EnrolledImage" (
    "id" TEXT NOT NULL,
    "identityId" TEXT NOT NULL,
    "bytes" BYTEA NOT NULL,
    "sha256" TEXT NOT NULL,
    "mimeType" TEXT NOT NULL,
    "width" INTEGER NOT NULL,
    "height" INTEGER NOT NULL,
    "byteSize" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "EnrolledImage_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Embedding" (
    "id" TEXT NOT NULL,
    "imageId" TEXT NOT NULL,
    "modelVersion" TEXT NOT NULL,
    "vector" BYTEA NOT NULL,
    "dimension" INTEGER NOT NULL,
    "label" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Embedding_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LabelledPair" (
    "id" TEXT NOT NULL,
    "imageAId" TEXT,
    "imageABytes" BYTEA,
    "imageASha256" TEXT NOT NULL,
    "imageBId" TEXT,
    "imageBBytes" BYTEA,
    "imageBSha256" TEXT NOT NULL,
    "same" BOOLEAN NOT NULL,
    "weight" DOUBLE PRECISION NOT NULL DEFAULT 1,
    "source" TEXT NOT NULL,
    "note" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "LabelledPair_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ModelVersion" (
    "version" TEXT NOT NULL,
    "dir" TEXT NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "metric" TEXT NOT NULL,
    "card" JSONB NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT false,
    "activatedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ModelVersion_pkey" PRIMARY KEY ("version")
);

-- CreateTable
CREATE TABLE "TrainingRun" (
    "id" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "options" JSONB NOT NULL,
    "progress" JSONB,
    "metrics" JSONB,
    "baseModelVersion" TEXT,
    "newModelVersion" TEXT,
    "error" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),
    "heartbeatAt" TIMESTAMP(3),
    "activeSlot" TEXT,

    CONSTRAINT "TrainingRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LabelSequence" (
    "modelVersion" TEXT NOT NULL,
    "next" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "LabelSequence_pkey" PRIMARY KEY ("modelVersion")
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

-- AddForeignKey
ALTER TABLE "EnrolledImage" ADD CONSTRAINT "EnrolledImage_identityId_fkey" FOREIGN KEY ("identityId") REFERENCES "Identity"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Embedding" ADD CONSTRAINT "Embedding_imageId_fkey" FOREIGN KEY ("imageId") REFERENCES "EnrolledImage"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LabelledPair" ADD CONSTRAINT "LabelledPair_imageAId_fkey" FOREIGN KEY ("imageAId") REFERENCES "EnrolledImage"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LabelledPair" ADD CONSTRAINT "LabelledPair_imageBId_fkey" FOREIGN KEY ("imageBId") REFERENCES "EnrolledImage"("id") ON DELETE CASCADE ON UPDATE CASCADE;

