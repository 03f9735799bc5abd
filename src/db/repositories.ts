/** The repositories over one Database, built together so callers pass one object around. */
import type { Database } from './database';
import { EmbeddingRepository } from './embedding.repository';
import { ErasureRepository } from './erasure';
import { IdentityRepository } from './identity.repository';
import { ImageRepository } from './image.repository';
import { LabelledPairRepository } from './labelled-pair.repository';
import { ModelVersionRepository } from './model-version.repository';
import { TrainingRunRepository } from './training-run.repository';

export interface Repositories {
  identities: IdentityRepository;
  images: ImageRepository;
  embeddings: EmbeddingRepository;
  labelledPairs: LabelledPairRepository;
  modelVersions: ModelVersionRepository;
  trainingRuns: TrainingRunRepository;
  /** The Erasure log (ids only), which a training run checks before promoting. */
  erasures: ErasureRepository;
}

export function createRepositories(db: Database): Repositories {
  return {
    identities: new IdentityRepository(db),
    images: new ImageRepository(db),
    embeddings: new EmbeddingRepository(db),
    labelledPairs: new LabelledPairRepository(db),
    modelVersions: new ModelVersionRepository(db),
    trainingRuns: new TrainingRunRepository(db),
    erasures: new ErasureRepository(db),
  };
}
