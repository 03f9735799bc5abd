/** The db records the retraining API returns, re-exported so resolvers need not import src/db. */
export type { LabelledPairRecord, ModelVersionRecord, TrainingRunRecord } from '../../db';
