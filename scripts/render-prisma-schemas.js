#!/usr/bin/env node
'use strict';
/**
 * Renders prisma/schema.source.prisma into one schema per provider.
 *
 * Why two schemas: with driver adapters Prisma requires the schema's datasource
 * provider to match the adapter's, and a generated client is bound to one provider.
 * So one source of truth is rendered twice and each rendering gets its own client
 * (generated/prisma-<provider>) and its own committed migrations
 * (prisma/<provider>/migrations). `--check` exits 1 when a rendering is stale
 * (used by tests so the committed files never drift from the source).
 */
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const SOURCE = path.join(ROOT, 'prisma', 'schema.source.prisma');
/** @typedef {'sqlite' | 'postgresql'} Provider */
/** @type {Provider[]} */
const PROVIDERS = ['sqlite', 'postgresql'];
/** @type {Record<Provider, string>} */
const PLACEHOLDER_URL = {
  sqlite: 'file:./unused-see-prisma-config.db',
  postgresql: 'postgresql://unused-see-prisma-config/unused',
};

/** @param {Provider} provider */
function render(provider) {
  const source = fs.readFileSync(SOURCE, 'utf8');
  const header = '// GENERATED from prisma/schema.source.prisma by scripts/render-prisma-schemas.js: do not edit.\n\n';
  return header + source.replaceAll('{{PROVIDER}}', provider).replaceAll('{{PLACEHOLDER_URL}}', PLACEHOLDER_URL[provider]);
}

/** @param {Provider} provider */
function targetOf(provider) {
  return path.join(ROOT, 'prisma', provider, 'schema.prisma');
}

/** @param {string[]} argv */
function main(argv) {
  const check = argv.includes('--check');
  let stale = 0;
  for (const provider of PROVIDERS) {
    const target = targetOf(provider);
    const text = render(provider);
    const current = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : null;
    if (current === text) continue;
    if (check) {
      console.error(`stale: ${path.relative(ROOT, target)} (run: npm run db:render)`);
      stale++;
      continue;
    }
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, text);
    console.log(`rendered ${path.relative(ROOT, target)}`);
  }
  return stale ? 1 : 0;
}

module.exports = { render, targetOf, PROVIDERS };
if (require.main === module) process.exitCode = main(process.argv.slice(2));
