/**
 * The migration runner's decisions (pure), the committed files' consistency with the
 * source schema, and starts racing in separate processes on both providers.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { migrationsDir, planMigrations, readMigrations } from '../../src/db/migrations';
import { describePg, pgTestDatabase, sqliteTestDatabase, TestDatabase } from './db-targets';

const { render, PROVIDERS } = require('../../scripts/render-prisma-schemas.js') as {
  render(provider: string): string;
  PROVIDERS: string[];
};

const file = (name: string, checksum = `c-${name}`) => ({ name, sql: '', checksum });
const row = (name: string, checksum = `c-${name}`, extra: Partial<{ finished_at: unknown; rolled_back_at: unknown }> = {}) => ({
  migration_name: name,
  checksum,
  finished_at: new Date(0),
  rolled_back_at: null,
  ...extra,
});

describe('planMigrations', () => {
  it('applies what is not yet recorded, in file order', () => {
    const files = [file('1_a'), file('2_b'), file('3_c')];
    expect(planMigrations(files, []).map((f) => f.name)).toEqual(['1_a', '2_b', '3_c']);
    expect(planMigrations(files, [row('1_a')]).map((f) => f.name)).toEqual(['2_b', '3_c']);
    expect(planMigrations(files, [row('1_a'), row('2_b'), row('3_c')])).toEqual([]);
  });

  it('re-applies a migration recorded as rolled back', () => {
    expect(planMigrations([file('1_a')], [row('1_a', 'c-1_a', { rolled_back_at: new Date(0) })]).map((f) => f.name)).toEqual(['1_a']);
  });

  it('refuses an edited migration, an unknown (newer) one and a half-applied one', () => {
    expect(() => planMigrations([file('1_a')], [row('1_a', 'other')])).toThrow(/changed after it was applied/);
    expect(() => planMigrations([file('1_a')], [row('1_a'), row('9_new')])).toThrow(/newer version/);
    expect(() => planMigrations([file('1_a')], [row('1_a', 'c-1_a', { finished_at: null })])).toThrow(/not finished/);
  });
});

describe('committed schema and migrations', () => {
  const root = path.resolve(__dirname, '..', '..');

  it.each(['sqlite', 'postgresql'])('%s: the rendered schema matches prisma/schema.source.prisma', (provider) => {
    expect(PROVIDERS).toContain(provider);
    expect(fs.readFileSync(path.join(root, 'prisma', provider, 'schema.prisma'), 'utf8')).toBe(render(provider));
  });

  it.each(['sqlite', 'postgresql'])('%s: the newest migration was made for the current schema', (provider) => {
    const files = readMigrations(migrationsDir(provider as 'sqlite' | 'postgresql'));
    expect(files.length).toBeGreaterThanOrEqual(1);
    const newest = files[files.length - 1].name;
    const snapshot = fs.readFileSync(path.join(migrationsDir(provider as 'sqlite'), newest, 'schema.prisma'), 'utf8');
    // A schema change without `npm run db:migration -- <name>` fails here.
    expect(snapshot).toBe(render(provider));
  });

  it('both providers have the same migration names', () => {
    const names = (p: 'sqlite' | 'postgresql') => readMigrations(migrationsDir(p)).map((f) => f.name);
    expect(names('postgresql')).toEqual(names('sqlite'));
  });
});

describe('upgrading a database made by an older build', () => {
  it('applies only the newer migrations and keeps the data', async () => {
    const { applyMigrations } = require('../../src/db/migrations') as typeof import('../../src/db/migrations');

    const { openStore } = require('../../src/db') as typeof import('../../src/db');
    const os = await import('os');
    const all = readMigrations(migrationsDir('sqlite'));
    if (all.length < 2) return expect(all.length).toBe(1); // nothing to upgrade from yet
    const oldDir = fs.mkdtempSync(path.join(os.tmpdir(), 'siamese-old-migrations-'));
    const target = sqliteTestDatabase();
    try {
      const first = all[0].name;
      fs.mkdirSync(path.join(oldDir, first));
      fs.copyFileSync(path.join(migrationsDir('sqlite'), first, 'migration.sql'), path.join(oldDir, first, 'migration.sql'));
      expect((await applyMigrations(target.url, { migrationsDir: oldDir })).applied).toEqual([first]);
      const BetterSqlite3 = (await import('better-sqlite3')).default;
      const raw = new BetterSqlite3(target.url.slice('file:'.length));
      raw
        .prepare(`INSERT INTO "Identity" (id, name, createdAt, updatedAt) VALUES ('old-1', 'from v0', ?, ?)`)
        .run(new Date().toISOString(), new Date().toISOString());
      raw.close();
      const store = await openStore(target.url);
      expect(store.migrations.applied).toEqual(all.slice(1).map((f) => f.name));
      expect((await store.repos.identities.get('old-1'))?.name).toBe('from v0');
      await store.close();
    } finally {
      fs.rmSync(oldDir, { recursive: true, force: true });
      await target.dispose();
    }
  });
});

/** Starts `n` child processes that each apply migrations to `url`, released together. */
async function raceStarts(url: string, n: number): Promise<Array<{ applied: string[]; total: number }>> {
  const child = path.join(__dirname, 'fixtures', 'apply-migrations.child.js');
  const procs = Array.from({ length: n }, () => spawn(process.execPath, [child, url], { stdio: ['pipe', 'pipe', 'pipe'] }));
  const outputs = procs.map(
    (p) =>
      new Promise<string>((resolve, reject) => {
        let out = '';
        let err = '';
        p.stdout.on('data', (d) => (out += d));
        p.stderr.on('data', (d) => (err += d));
        p.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`child exited ${code}: ${err}`))));
      }),
  );
  await Promise.all(procs.map((p) => new Promise<void>((resolve) => p.stdout.once('data', () => resolve()))));
  for (const p of procs) p.stdin.end('go\n');
  return (await Promise.all(outputs)).map((o) => JSON.parse(o.slice(o.indexOf('{'))));
}

function raceSuite(makeDatabase: () => TestDatabase) {
  it('three processes starting at once: all succeed, each migration applied exactly once', async () => {
    const target = makeDatabase();
    try {
      const results = await raceStarts(target.url, 3);
      const applied = results.flatMap((r) => r.applied);
      expect(applied.sort()).toEqual(
        readMigrations(migrationsDir(target.url.startsWith('file:') ? 'sqlite' : 'postgresql')).map((f) => f.name),
      );
      expect(results.filter((r) => r.applied.length === 0).length).toBe(2);
    } finally {
      await target.dispose();
    }
  });
}

describe('concurrent starts on SQLite', () => raceSuite(sqliteTestDatabase));
describePg('concurrent starts on PostgreSQL', () => raceSuite(pgTestDatabase));
