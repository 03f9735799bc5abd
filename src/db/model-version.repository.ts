/**
 * Model versions known to this deployment, and which one serves. Exactly one is active
 * after `activate`: the switch is one transaction, so readers see the old or the new
 * version, never none or two.
 */
import { DomainError, ErrorCode, notFound } from '../errors';
import type { Database } from './database';
import { appendChanges } from './change-log';
import type { ModelVersionRecord, NewModelVersion } from './db.types';
import { toModelVersion } from './mappers';

export class ModelVersionRepository {
  constructor(private readonly db: Database) {}

  /**
   * Records a model version (idempotent: registering the same version with the same
   * fingerprint again is a no-op; a different fingerprint is a CONFLICT). With
   * `activate`, it also becomes the active version in the same transaction.
   */
  async register(input: NewModelVersion, options: { activate?: boolean } = {}): Promise<ModelVersionRecord> {
    return this.db.transaction(async (tx) => {
      const existing = await tx.modelVersion.findUnique({ where: { version: input.version } });
      if (existing && existing.fingerprint !== input.fingerprint) {
        throw new DomainError(ErrorCode.CONFLICT, `model version ${input.version} is already registered with another fingerprint`, {
          version: input.version,
        });
      }
      if (!existing) {
        await tx.modelVersion.create({
          data: {
            version: input.version,
            dir: input.dir,
            fingerprint: input.fingerprint,
            metric: input.metric,
            card: input.card as object,
          },
        });
      } else if (existing.dir !== input.dir) {
        // The same weights moved (e.g. a fresh clone in another folder): follow them.
        await tx.modelVersion.update({ where: { version: input.version }, data: { dir: input.dir } });
      }
      if (options.activate) {
        const { count } = await tx.modelVersion.updateMany({
          where: { active: true, NOT: { version: input.version } },
          data: { active: false },
        });
        const wasActive = existing?.active === true;
        await tx.modelVersion.update({ where: { version: input.version }, data: { active: true, activatedAt: new Date() } });
        // Replicas follow a change of the serving version (not a re-registration of the same one).
        if (!wasActive || count > 0) await appendChanges(tx, this.db.provider, [{ kind: 'model.activated', modelVersion: input.version }]);
      }
      return toModelVersion((await tx.modelVersion.findUnique({ where: { version: input.version } }))!);
    });
  }

  async get(version: string): Promise<ModelVersionRecord | null> {
    const row = await this.db.run((p) => p.modelVersion.findUnique({ where: { version } }));
    return row ? toModelVersion(row) : null;
  }

  /** The serving version, or null before any was activated. */
  async getActive(): Promise<ModelVersionRecord | null> {
    const row = await this.db.run((p) => p.modelVersion.findFirst({ where: { active: true }, orderBy: { activatedAt: 'desc' } }));
    return row ? toModelVersion(row) : null;
  }

  /** Newest first. */
  async list(): Promise<ModelVersionRecord[]> {
    const rows = await this.db.run((p) => p.modelVersion.findMany({ orderBy: [{ createdAt: 'desc' }, { version: 'desc' }] }));
    return rows.map(toModelVersion);
  }

  /** Makes `version` the only active one (rollback or roll forward). NOT_FOUND if unknown. */
  async activate(version: string): Promise<ModelVersionRecord> {
    return this.db.transaction(async (tx) => {
      const row = await tx.modelVersion.findUnique({ where: { version } });
      if (!row) throw notFound('ModelVersion', version);
      const { count } = await tx.modelVersion.updateMany({ where: { active: true, NOT: { version } }, data: { active: false } });
      const activated = toModelVersion(
        await tx.modelVersion.update({ where: { version }, data: { active: true, activatedAt: new Date() } }),
      );
      // Every replica swaps to it through the feed (issue 18); re-activating the serving version changes nothing.
      if (!row.active || count > 0) await appendChanges(tx, this.db.provider, [{ kind: 'model.activated', modelVersion: version }]);
      return activated;
    });
  }

  /** Forgets an inactive version (its vectors go separately: EmbeddingRepository.deleteModelVersion). */
  async delete(version: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const row = await tx.modelVersion.findUnique({ where: { version } });
      if (!row) return false;
      if (row.active) throw new DomainError(ErrorCode.CONFLICT, `model version ${version} is active`, { version });
      await tx.modelVersion.delete({ where: { version } });
      return true;
    });
  }
}
