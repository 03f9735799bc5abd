import { createHash, randomBytes } from 'crypto';
import { badInput, notFound } from '../../errors';
import type { Logger } from '../logger';
import type { ApiKeyRow, ApiKeyStore } from '../store.port';
import { API_KEY_ROLES, isApiKeyRole, type ApiKeyRole } from './roles';

/**
 * Per-application API keys (issue 13): `Authorization: Bearer sk_<43 base64url chars>`.
 *
 * - 32 bytes from crypto.randomBytes (256 bits): guessing is hopeless, so a plain SHA-256 is
 *   the right stored form (a slow password hash protects low-entropy secrets; these are not).
 *   The key is shown once, by createApiKey; the database keeps only its hash and the first
 *   characters (`prefix`) so an operator can tell keys apart in a listing.
 * - A presented key is hashed and looked up by hash: no secret is compared in JavaScript, so
 *   there is no timing difference to measure between "wrong first byte" and "wrong last byte".
 * - Lookups are cached for API_KEY_CACHE_MS (5 s) so a busy client does not cost a query per
 *   request. Revocation through this process evicts its cache entry at once; another process
 *   sharing the database sees a revocation within the cache time at most (the entry it may
 *   hold was read before the revocation and expires 5 s after it was read).
 * - lastUsedAt is written at most once a minute per key and process: it answers "is this key
 *   still in use?", not an audit log, and must not turn every request into a write.
 */
export const API_KEY_PREFIX = 'sk_';
const KEY_BYTES = 32;
/** base64url of 32 bytes is 43 characters (no padding). */
const KEY_SHAPE = /^sk_[A-Za-z0-9_-]{43}$/;
/** Characters of the key kept in clear ('sk_' + 8): 48 of its 256 bits, enough to tell keys apart. */
const SHOWN_PREFIX_LENGTH = 11;
export const API_KEY_CACHE_MS = 5_000;
const TOUCH_EVERY_MS = 60_000;
/** Bounds the cache when a client sends many different (garbage) keys. */
const MAX_CACHED_KEYS = 10_000;
const MAX_NAME_LENGTH = 100;

export interface AuthenticatedKey {
  id: string;
  name: string;
  role: ApiKeyRole;
}

export type KeyCheck = { ok: true; key: AuthenticatedKey } | { ok: false; reason: 'malformed' | 'unknown' | 'revoked' };

export interface ApiKeyServiceOptions {
  logger?: Logger;
  /** Clock (ms), injectable so tests can step past the cache time. */
  now?: () => number;
  cacheMs?: number;
}

interface CacheEntry {
  check: Promise<KeyCheck>;
  expiresAt: number;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Whether a bearer value is meant as an API key (rather than the admin token). */
export function isApiKeyShaped(bearer: string): boolean {
  return bearer.startsWith(API_KEY_PREFIX);
}

export class ApiKeyService {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly now: () => number;
  private readonly cacheMs: number;

  constructor(
    private readonly store: ApiKeyStore,
    private readonly opts: ApiKeyServiceOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.cacheMs = opts.cacheMs ?? API_KEY_CACHE_MS;
  }

  /** Makes a key; the returned `key` is the only time it exists outside the caller's hands. */
  async create(name: string, role: string): Promise<{ key: string; apiKey: ApiKeyRow }> {
    const cleanName = name.trim();
    if (cleanName.length === 0 || cleanName.length > MAX_NAME_LENGTH || /[\p{Cc}]/u.test(cleanName)) {
      throw badInput(`name: give 1 to ${MAX_NAME_LENGTH} printable characters (the application the key is for)`, { argument: 'name' });
    }
    if (!isApiKeyRole(role)) {
      throw badInput(`role: an API key has one of the roles ${API_KEY_ROLES.join(', ')} (got '${role}')`, { argument: 'role' });
    }
    const key = API_KEY_PREFIX + randomBytes(KEY_BYTES).toString('base64url');
    const apiKey = await this.store.createApiKey({
      name: cleanName,
      role,
      keyHash: hashApiKey(key),
      prefix: key.slice(0, SHOWN_PREFIX_LENGTH),
    });
    return { key, apiKey };
  }

  list(): Promise<ApiKeyRow[]> {
    return this.store.listApiKeys();
  }

  /** true: revoked now; false: it already was. NOT_FOUND when there is no such key. */
  async revoke(id: string): Promise<boolean> {
    const r = await this.store.revokeApiKey(id, new Date(this.now()));
    if (!r) throw notFound('ApiKey', id);
    // This process stops accepting the key at once; others within cacheMs (see the file comment).
    // In-flight lookups are awaited too: one that read the row before the revocation must not stay.
    await Promise.all(
      [...this.cache].map(async ([hash, entry]) => {
        const c = await entry.check.catch(() => null);
        if (c?.ok && c.key.id === id && this.cache.get(hash) === entry) this.cache.delete(hash);
      }),
    );
    return r.revokedNow;
  }

  /** Checks a presented key (cached for cacheMs). Storage failures reject; they are not "unknown key". */
  authenticate(presented: string): Promise<KeyCheck> {
    if (!KEY_SHAPE.test(presented)) return Promise.resolve({ ok: false, reason: 'malformed' });
    const hash = hashApiKey(presented);
    const at = this.now();
    const cached = this.cache.get(hash);
    if (cached && cached.expiresAt > at) return cached.check;
    if (cached) this.cache.delete(hash);
    const check = this.lookup(hash, at);
    this.remember(hash, { check, expiresAt: at + this.cacheMs });
    // A failed lookup (database down) must be retried by the next request, not cached.
    check.catch(() => {
      if (this.cache.get(hash)?.check === check) this.cache.delete(hash);
    });
    return check;
  }

  private remember(hash: string, entry: CacheEntry): void {
    if (this.cacheMs <= 0) return;
    if (this.cache.size >= MAX_CACHED_KEYS) {
      // Map iterates in insertion order: drop the oldest entry.
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(hash, entry);
  }

  private async lookup(hash: string, at: number): Promise<KeyCheck> {
    const row = await this.store.findApiKeyByHash(hash);
    if (!row) return { ok: false, reason: 'unknown' };
    if (row.revokedAt) return { ok: false, reason: 'revoked' };
    if (!isApiKeyRole(row.role)) {
      // Only a hand-edited row gets here; refusing is safer than guessing a role.
      this.opts.logger?.error('API key with an unknown role refused', { apiKeyId: row.id, role: row.role });
      return { ok: false, reason: 'unknown' };
    }
    if (!row.lastUsedAt || at - row.lastUsedAt.getTime() >= TOUCH_EVERY_MS) {
      // Bookkeeping only: a full disk must not lock every application out.
      await this.store.touchApiKey(row.id, new Date(at)).catch((e: Error) => {
        this.opts.logger?.error('could not record an API key use', { apiKeyId: row.id, error: e.message });
      });
    }
    return { ok: true, key: { id: row.id, name: row.name, role: row.role } };
  }
}
