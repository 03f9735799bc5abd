import type { ModelCard } from '../embedding/model-card';
import type { ServiceDeps } from './service-context';

export interface ModelSummary {
  version: string;
  card: ModelCard;
  indexedVectors: number;
}

/** The active model version and its calibration, read from the pair in use. */
export class ModelService {
  constructor(private readonly deps: ServiceDeps) {}

  active(): ModelSummary {
    const m = this.deps.active.current;
    return { version: m.version, card: m.card, indexedVectors: m.index.size };
  }
}
