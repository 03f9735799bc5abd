#!/usr/bin/env node
'use strict';
/**
 * Checks README's "Configuration (environment)" table against src/config/config.ts, the only
 * place that reads the environment: every variable the code reads has a row, and every row
 * names a variable the code reads. `npm run check` runs it; test/services/config-table.test.ts too.
 *   node scripts/check-config-table.js            (exit 1 and a list when they disagree)
 */
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');

/**
 * Variables read by src/config/config.ts: `r.<kind>('NAME'…)` and `env.NAME`.
 * @param {string} source
 */
function variablesInCode(source) {
  const names = new Set();
  for (const m of source.matchAll(/\br\.\w+\(\s*'([A-Z][A-Z0-9_]*)'/g)) names.add(m[1]);
  for (const m of source.matchAll(/\benv\.([A-Z][A-Z0-9_]*)\b/g)) names.add(m[1]);
  for (const m of source.matchAll(/\benv\[\s*'([A-Z][A-Z0-9_]*)'\s*\]/g)) names.add(m[1]);
  return names;
}

/**
 * Variables named in the first column of the README table under "## Configuration (environment)".
 * @param {string} readme
 */
function variablesInReadme(readme) {
  const start = readme.indexOf('## Configuration (environment)');
  if (start < 0) throw new Error('README.md has no "## Configuration (environment)" section');
  const rest = readme.slice(start + 1);
  const end = rest.search(/\n## /);
  const section = end < 0 ? rest : rest.slice(0, end);
  const names = new Set();
  for (const line of section.split('\n')) {
    if (!line.startsWith('|') || line.startsWith('|---')) continue;
    const first = line.split('|')[1] ?? '';
    for (const m of first.matchAll(/`([A-Z][A-Z0-9_]*)`/g)) names.add(m[1]);
  }
  return names;
}

function compare(root = ROOT) {
  const code = variablesInCode(fs.readFileSync(path.join(root, 'src', 'config', 'config.ts'), 'utf8'));
  const readme = variablesInReadme(fs.readFileSync(path.join(root, 'README.md'), 'utf8'));
  return {
    code: [...code].sort(),
    missingFromReadme: [...code].filter((n) => !readme.has(n)).sort(),
    unknownInReadme: [...readme].filter((n) => !code.has(n)).sort(),
  };
}

module.exports = { variablesInCode, variablesInReadme, compare };

if (require.main === module) {
  const r = compare();
  if (r.missingFromReadme.length === 0 && r.unknownInReadme.length === 0) {
    console.log(`config table: README documents all ${r.code.length} variables of src/config`);
    process.exit(0);
  }
  if (r.missingFromReadme.length) console.error(`config table: missing from README: ${r.missingFromReadme.join(', ')}`);
  if (r.unknownInReadme.length)
    console.error(`config table: README names variables src/config does not read: ${r.unknownInReadme.join(', ')}`);
  process.exit(1);
}
