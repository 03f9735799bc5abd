/**
 * API keys (issue 13). Only the SHA-256 of a key is stored (`keyHash`, unique): the key itself
 * is shown once, at creation, and cannot be recovered from the database. Looking a key up by
 * its hash is the comparison, so no secret is ever compared byte by byte in JavaScript.
 * Revoking keeps the row (revokedAt set) so listings still say which application had access.
 */
import { DomainError, ErrorCode } from '../errors';
import type { Database } from './database';
import { isUniqueViolation } from './prisma-errors';

export interface ApiKeyRecord {
  id: string;
  name: string;
  /** 'search' | 'read' | 'enroll' | 'admin' (checked by the service, stored as text). */
  role: string;
  /** The first characters of the key, to recognise it in listings (never enough to use it). */
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export interface NewApiKey {
  name: string;
  role: string;
  /** Hex SHA-256 of the whole key. */
  keyHash: string;
  prefix: string;
}

const apiKeySelect = {
  id: true,
  name: true,
  role: true,
  prefix: true,
  createdAt: true,
  lastUsedAt: true,
  revokedAt: true,
} as const;

export class ApiKeyRepository {
  constructor(private readonly db: Database) {}

  async create(input: NewApiKey): Promise<ApiKeyRecord> {
    try {
      return await this.db.run((p) =>
        p.apiKey.create({
          data: { name: input.name, role: input.role, keyHash: input.keyHash, prefix: input.prefix },
          select: apiKeySelect,
        }),
      );
    } catch (e) {
      // 256 random bits never collide; a duplicate means the same key was stored twice.
      if (isUniqueViolation(e)) throw new DomainError(ErrorCode.CONFLICT, 'an API key with this hash already exists');
      throw e;
    }
  }

  /** The key whose SHA-256 is `keyHash`, revoked or not (the caller decides). */
  findByHash(keyHash: string): Promise<ApiKeyRecord | null> {
    return this.db.run((p) => p.apiKey.findUnique({ where: { keyHash }, select: apiKeySelect }));
  }

  get(id: string): Promise<ApiKeyRecord | null> {
    return this.db.run((p) => p.apiKey.findUnique({ where: { id }, select: apiKeySelect }));
  }

  /** Every key, revoked ones included, oldest first (a deployment has a handful). */
  list(): Promise<ApiKeyRecord[]> {
    return this.db.run((p) => p.apiKey.findMany({ orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], select: apiKeySelect }));
  }

  /**
   * Sets revokedAt unless already set (the first revocation time is kept). Returns the row
   * and whether this call revoked it; null when there is no such key.
   */
  async revoke(id: string, at: Date): Promise<{ key: ApiKeyRecord; revokedNow: boolean } | null> {
    return this.db.transaction(async (tx) => {
      const changed = await tx.apiKey.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: at } });
      const key = await tx.apiKey.findUnique({ where: { id }, select: apiKeySelect });
      return key ? { key, revokedNow: changed.count === 1 } : null;
    });
  }

  /** Records a use (the service calls it at most once a minute per key). A deleted key is ignored. */
  async touch(id: string, at: Date): Promise<void> {
    await this.db.run((p) => p.apiKey.updateMany({ where: { id }, data: { lastUsedAt: at } }));
  }
}
