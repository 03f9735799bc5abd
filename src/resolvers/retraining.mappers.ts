import type { LabelledPairRecord, ModelVersionRecord, TrainingRunRecord } from '../services/retraining/types';
import { decodeMetrics, decodeOptions, decodeProgress, type LabelledPairResult } from '../services/retraining';
import { LabelledPair } from '../schema/labelled-pair.type';
import { ModelVersion } from '../schema/model-version.type';
import { MetricEnum } from '../schema/metric.enum';
import { TrainingRun, TrainingStatusEnum } from '../schema/training-run.type';
import { DomainError, ErrorCode } from '../errors';
import type { GraphQLContext } from './context';
import type { RetrainingService } from '../services/retraining';

/** The retraining service, or a clear error on a stack built without it. */
export function retraining(ctx: GraphQLContext): RetrainingService {
  const svc = ctx.services.retraining;
  if (!svc) throw new DomainError(ErrorCode.FORBIDDEN, 'retraining is not enabled on this server');
  return svc;
}

/** The run's JSON columns are decoded by the service's codec (run-json.codec.ts); this only copies. */
export function toTrainingRun(r: TrainingRunRecord): TrainingRun {
  const metrics = decodeMetrics(r.metrics);
  return Object.assign(new TrainingRun(), {
    id: r.id,
    status: r.status as TrainingStatusEnum,
    options: decodeOptions(r.options),
    progress: decodeProgress(r.progress),
    metrics,
    baseModelVersion: r.baseModelVersion,
    modelVersion: r.newModelVersion,
    promoted: metrics?.promoted ?? null,
    error: r.error,
    createdAt: r.createdAt,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    heartbeatAt: r.heartbeatAt,
  });
}

export function toLabelledPair(r: LabelledPairRecord | LabelledPairResult): LabelledPair {
  const extra = 'modelDistance' in r ? { correction: r.correction, modelDistance: r.modelDistance, modelVersion: r.modelVersion } : {};
  return Object.assign(new LabelledPair(), {
    id: r.id,
    imageAId: r.imageAId,
    imageBId: r.imageBId,
    imageASha256: r.imageASha256,
    imageBSha256: r.imageBSha256,
    same: r.same,
    weight: r.weight,
    source: r.source,
    note: r.note,
    createdAt: r.createdAt,
    identityIds: r.identityIds,
    correction: null,
    modelDistance: null,
    modelVersion: null,
    ...extra,
  });
}

export function toModelVersion(r: ModelVersionRecord): ModelVersion {
  const card = (r.card ?? {}) as { name?: string; validation?: { eer?: number; auc?: number }; thresholds?: { default?: number } };
  return Object.assign(new ModelVersion(), {
    version: r.version,
    active: r.active,
    name: card.name ?? r.version,
    metric: r.metric as MetricEnum,
    fingerprint: r.fingerprint,
    eer: card.validation?.eer ?? null,
    auc: card.validation?.auc ?? null,
    threshold: card.thresholds?.default ?? null,
    createdAt: r.createdAt,
    activatedAt: r.activatedAt,
  });
}
