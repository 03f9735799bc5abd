/**
 * API keys over a real database (issue 13), run unchanged on SQLite and PostgreSQL
 * (api-key.sqlite.test.ts, api-key.pg.test.ts): the repository, and the key service's
 * hashing, cache and revocation bound on top of it.
 */
import * as crypto from 'crypto';
import { openServiceStore } from '../../src/db';
import { ApiKeyService, API_KEY_CACHE_MS } from '../../src/services/access';
import type { ServiceStore } from '../../src/services';
import type { Database } from '../../src/db';
import type { TestDatabase } from './db-targets';

export function apiKeyContract(makeDatabase: () => TestDatabase): void {
  let target: TestDatabase;
  let store: ServiceStore & { db: Database };

  beforeEach(async () => {
    target = makeDatabase();
    store = await openServiceStore(target.url);
  });
  afterEach(async () => {
    await store.close();
    await target.dispose();
  });

  async function rawRows(): Promise<Array<Record<string, unknown>>> {
    return store.db.run((p) => p.$queryRawUnsafe<Array<Record<string, unknown>>>('SELECT * FROM "ApiKey"'));
  }

  it('stores only the SHA-256 of a key and a short prefix; the key itself is nowhere in the row', async () => {
    const svc = new ApiKeyService(store);
    const { key, apiKey } = await svc.create('  billing app ', 'read');
    expect(key).toMatch(/^sk_[A-Za-z0-9_-]{43}$/);
    expect(apiKey).toMatchObject({ name: 'billing app', role: 'read', prefix: key.slice(0, 11), lastUsedAt: null, revokedAt: null });
    const rows = await rawRows();
    expect(rows).toHaveLength(1);
    expect(rows[0].keyHash).toBe(crypto.createHash('sha256').update(key).digest('hex'));
    expect(JSON.stringify(rows[0])).not.toContain(key.slice(11));
    // Two keys never share bits beyond the fixed prefix.
    const other = await svc.create('other', 'admin');
    expect(other.key).not.toBe(key);
    expect((await svc.list()).map((k) => k.name).sort()).toEqual(['billing app', 'other']);
  });

  it('authenticates a key by its hash, records its use, refuses unknown, malformed and revoked keys', async () => {
    const svc = new ApiKeyService(store);
    const { key, apiKey } = await svc.create('app', 'enroll');
    expect(await svc.authenticate(key)).toEqual({ ok: true, key: { id: apiKey.id, name: 'app', role: 'enroll' } });
    expect((await svc.list())[0].lastUsedAt).toBeInstanceOf(Date);
    // One changed character: a different hash, an unknown key.
    const flipped = key.slice(0, -1) + (key.endsWith('A') ? 'B' : 'A');
    expect(await svc.authenticate(flipped)).toEqual({ ok: false, reason: 'unknown' });
    expect(await svc.authenticate('sk_tooshort')).toEqual({ ok: false, reason: 'malformed' });
    expect(await svc.revoke(apiKey.id)).toBe(true);
    expect(await svc.revoke(apiKey.id)).toBe(false);
    // Revoked through this service: refused at once, cache or not.
    expect(await svc.authenticate(key)).toEqual({ ok: false, reason: 'revoked' });
    expect((await svc.list())[0].revokedAt).toBeInstanceOf(Date);
    await expect(svc.revoke('no-such-key')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('a revocation by another process takes effect within the cache time (5 s), not later', async () => {
    let now = 1_000_000;
    const svc = new ApiKeyService(store, { now: () => now });
    const elsewhere = new ApiKeyService(store); // another server process on the same database
    const { key, apiKey } = await svc.create('app', 'read');
    expect((await svc.authenticate(key)).ok).toBe(true);
    await elsewhere.revoke(apiKey.id);
    // Within the cache time this process may still accept it (that is the documented bound)...
    now += API_KEY_CACHE_MS - 1;
    expect((await svc.authenticate(key)).ok).toBe(true);
    // ...and from the cache time on, never.
    now += 1;
    expect(await svc.authenticate(key)).toEqual({ ok: false, reason: 'revoked' });
    expect(API_KEY_CACHE_MS).toBeLessThanOrEqual(5_000);
  });

  it('a busy client costs one database lookup per cache time, not one per request', async () => {
    let now = 5_000_000;
    let lookups = 0;
    const counting = Object.assign(Object.create(Object.getPrototypeOf(store)) as ServiceStore, store, {
      findApiKeyByHash: (h: string) => {
        lookups++;
        return store.findApiKeyByHash(h);
      },
    });
    const svc = new ApiKeyService(counting, { now: () => now });
    const { key } = await svc.create('busy', 'search');
    // 100 concurrent then 100 sequential requests inside one cache time: one lookup.
    expect((await Promise.all(Array.from({ length: 100 }, () => svc.authenticate(key)))).every((c) => c.ok)).toBe(true);
    for (let i = 0; i < 100; i++) expect((await svc.authenticate(key)).ok).toBe(true);
    expect(lookups).toBe(1);
    now += API_KEY_CACHE_MS;
    expect((await svc.authenticate(key)).ok).toBe(true);
    expect(lookups).toBe(2);
  });

  it('refuses a bad name or role with BAD_USER_INPUT', async () => {
    const svc = new ApiKeyService(store);
    await expect(svc.create('   ', 'read')).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    await expect(svc.create('x'.repeat(101), 'read')).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    await expect(svc.create('app', 'none')).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    await expect(svc.create('app', 'root')).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(await rawRows()).toEqual([]);
  });

  it('a storage failure rejects the check (it is not "unknown key") and is not cached', async () => {
    const { key } = await new ApiKeyService(store).create('app', 'read');
    let fail = true;
    const flaky = {
      ...store,
      findApiKeyByHash: (h: string) => (fail ? Promise.reject(new Error('database is down')) : store.findApiKeyByHash(h)),
      touchApiKey: (id: string, at: Date) => store.touchApiKey(id, at),
      createApiKey: store.createApiKey.bind(store),
      listApiKeys: store.listApiKeys.bind(store),
      revokeApiKey: store.revokeApiKey.bind(store),
    };
    const svc = new ApiKeyService(flaky);
    await expect(svc.authenticate(key)).rejects.toThrow('database is down');
    fail = false;
    expect((await svc.authenticate(key)).ok).toBe(true);
  });
}
