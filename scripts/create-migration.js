#!/usr/bin/env node
'use strict';
/**
 * Creates a new migration for BOTH providers from the current source schema:
 *   npm run db:migration -- <name>          (e.g. add_identity_tags)
 *
 * Renders the schemas, then for each provider asks the Prisma CLI (JS schema engine,
 * offline) for the SQL between the schema the latest migration was made for and the
 * current one, and writes prisma/<provider>/migrations/<UTC timestamp>_<name>/ with
 * migration.sql and schema.prisma (the snapshot the next migration diffs from).
 *
 * Why snapshots rather than `--from-migrations`: in Prisma 6.19 the JS schema engine fails
 * to replay migrations into a shadow database (P3006 on SQLite; on PostgreSQL adapter-pg
 * cannot read the catalog's `name` columns). A datamodel-to-datamodel diff needs neither.
 * test/db/migrations.test.ts checks that the latest snapshot equals the rendered schema,
 * so a schema change without a migration fails the tests.
 *
 * The CLI still opens a connection through the config's adapter: SQLite uses a temp file;
 * PostgreSQL needs a server: set DATABASE_URL_PG (defaults to TEST_DATABASE_URL_PG).
 */
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { PROVIDERS, targetOf } = require('./render-prisma-schemas');

const ROOT = path.resolve(__dirname, '..');
const PRISMA_BIN = path.join(ROOT, 'node_modules', 'prisma', 'build', 'index.js');

function stamp() {
  return new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/** @typedef {import('./render-prisma-schemas').Provider} Provider */

/**
 * Statements Prisma adds that we do not want: the app runs in the schema its URL names.
 * @param {string} sql
 */
function clean(sql) {
  return sql.replace(/-- CreateSchema\nCREATE SCHEMA IF NOT EXISTS "public";\n\n/g, '');
}

/**
 * The schema snapshot of the newest migration, or null when there is none.
 * @param {Provider} provider
 */
function latestSnapshot(provider) {
  const dir = path.join(ROOT, 'prisma', provider, 'migrations');
  if (!fs.existsSync(dir)) return null;
  const names = fs
    .readdirSync(dir)
    .filter((d) => fs.existsSync(path.join(dir, d, 'migration.sql')))
    .sort();
  if (names.length === 0) return null;
  const snapshot = path.join(dir, names[names.length - 1], 'schema.prisma');
  if (!fs.existsSync(snapshot)) throw new Error(`missing snapshot ${path.relative(ROOT, snapshot)}`);
  return snapshot;
}

/**
 * @param {Provider} provider
 * @param {Record<string, string>} env
 */
function diff(provider, env) {
  const snapshot = latestSnapshot(provider);
  const from = snapshot ? ['--from-schema-datamodel', snapshot] : ['--from-empty'];
  const r = spawnSync(process.execPath, [PRISMA_BIN, 'migrate', 'diff', ...from, '--to-schema-datamodel', targetOf(provider), '--script'], {
    cwd: ROOT,
    env: { ...process.env, ...env, SIAMESE_PRISMA_PROVIDER: provider },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`prisma migrate diff (${provider}) failed:\n${r.stderr}${r.stdout}`);
  return clean(r.stdout);
}

/** @param {string[]} argv */
function main(argv) {
  const name = argv[0];
  if (!name || !/^[a-z0-9_]+$/.test(name)) {
    console.error('usage: npm run db:migration -- <snake_case_name>');
    return 2;
  }
  const render = spawnSync(process.execPath, [path.join(__dirname, 'render-prisma-schemas.js')], { stdio: 'inherit' });
  if (render.status !== 0) return 1;
  const pgUrl = process.env.DATABASE_URL_PG ?? process.env.TEST_DATABASE_URL_PG;
  /** @type {Record<Provider, Record<string, string> | null>} */
  const envs = {
    sqlite: { DATABASE_URL: `file:${path.join(require('node:os').tmpdir(), `siamese-diff-${process.pid}.db`)}` },
    postgresql: pgUrl ? { DATABASE_URL: pgUrl } : null,
  };
  const dirName = `${stamp()}_${name}`;
  for (const provider of PROVIDERS) {
    if (!envs[provider]) {
      console.error(`${provider}: set DATABASE_URL_PG (or TEST_DATABASE_URL_PG) to a reachable server`);
      return 1;
    }
    const env = envs[provider];
    if (!env) continue; // (refused just above)
    const sql = diff(provider, env);
    if (!/\S/.test(sql.replace(/^--.*$/gm, ''))) {
      console.log(`${provider}: schema already matches the migrations, nothing to write`);
      continue;
    }
    const dir = path.join(ROOT, 'prisma', provider, 'migrations', dirName);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'migration.sql'), sql);
    fs.copyFileSync(targetOf(provider), path.join(dir, 'schema.prisma'));
    console.log(`wrote ${path.relative(ROOT, dir)}/migration.sql`);
  }
  return 0;
}

module.exports = { clean, latestSnapshot };
if (require.main === module) process.exitCode = main(process.argv.slice(2));
