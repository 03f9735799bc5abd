/**
 * Deletes a model trained on since-erased data: its vectors (other people's, but computed by
 * it), its inactive version row, its saved index and its directory. Only a directory under
 * `<dataDir>/models/` is removed: never the configured model or one the admin placed.
 * Used at promotion (run-supervisor.ts) and at activateModel (retraining.service.ts).
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Repositories } from '../../db';
import type { Logger } from '../logger';
import type { ModelActivationService } from './model-activation.service';

export interface ModelDiscardDeps {
  repos: Repositories;
  activation: Pick<ModelActivationService, 'discardIndex'>;
  dataDir: string;
  logger: Logger;
}

export async function discardModel(deps: ModelDiscardDeps, version: string, dir: string): Promise<void> {
  await deps.repos.embeddings.deleteModelVersion(version);
  await deps.repos.modelVersions
    .delete(version)
    .catch((e: Error) => deps.logger.error('could not forget a model version', { version, error: e.message }));
  deps.activation.discardIndex(version);
  const modelsDir = path.resolve(deps.dataDir, 'models');
  const target = path.resolve(dir);
  if (target.startsWith(modelsDir + path.sep)) fs.rmSync(target, { recursive: true, force: true });
  deps.logger.info('model trained on erased data deleted', { version });
}
