/**
 * Which model serves at start. The configured model (SIAMESE_MODEL or the shipped default)
 * serves unless the database has ANOTHER active version that was chosen after that model
 * was already known here: a retraining promotion or an `activateModel` must survive a
 * restart. A configured model the database has never seen is a deliberate deployment and
 * wins (it becomes the active version).
 */
import * as fs from 'fs';
import * as path from 'path';
import { ModelVersionRepository, type Database, type ModelVersionRecord } from '../../db';

export async function chooseStartupModel(db: Database, configuredVersion: string): Promise<ModelVersionRecord | null> {
  const models = new ModelVersionRepository(db);
  const active = await models.getActive();
  if (!active || active.version === configuredVersion) return null;
  if (!(await models.get(configuredVersion))) return null;
  if (!fs.existsSync(path.join(active.dir, 'model-card.json'))) return null;
  return active;
}
