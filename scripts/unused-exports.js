#!/usr/bin/env node
/**
 * Exports of src/ that nothing uses, found with the TypeScript language service (offline, no
 * extra dependency): for every exported name of every src/ file, its references across src/,
 * test/ and scripts/ are counted, leaving out the declaration itself and barrel re-exports
 * (`export { x } from './y'`, which use nothing by themselves). A name no other file
 * references is reported, unless the JavaScript entry points (bin/, scripts/*.js, .ci/,
 * package.json) mention it by text: they load the compiled dist/ by path, which the
 * language service cannot follow.
 *
 *   node scripts/unused-exports.js            # list, one `file:line name (kind)` per line
 *   node scripts/unused-exports.js --json
 *
 * "Used only inside its own file" is reported separately (the `export` keyword is then
 * the only thing to drop). Dynamic requires of worker files are by file, not by name, so
 * they never hide a name; read each finding before deleting it.
 */
'use strict';
const fs = require('fs');
const path = require('path');
const ts = require('typescript');

const ROOT = path.resolve(__dirname, '..');

/** TypeScript's internal `getTokenAtPosition`: exported at runtime, absent from its public typings. */
const tsInternal = /** @type {typeof ts & { getTokenAtPosition: (sf: ts.SourceFile, pos: number) => ts.Node | undefined }} */ (ts);

/**
 * @param {string} dir
 * @param {(p: string) => boolean} accept
 * @param {string[]} [out]
 * @returns {string[]}
 */
function walk(dir, accept, out = []) {
  if (!fs.existsSync(dir)) return out;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === 'dist' || e.name.startsWith('.')) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, accept, out);
    else if (accept(p)) out.push(p);
  }
  return out;
}

/** @param {string} p */
const isTs = (p) => /\.tsx?$/.test(p) && !p.endsWith('.d.ts');

/** @param {string[]} files */
function languageService(files) {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    path.join(ROOT, 'tsconfig.json'),
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined },
  );
  const options = { ...(parsed ? parsed.options : {}), noEmit: true };
  const versions = new Map(files.map((f) => [f, '1']));
  /** @type {ts.LanguageServiceHost} */
  const host = {
    getScriptFileNames: () => files,
    getScriptVersion: (f) => versions.get(f) ?? '1',
    getScriptSnapshot: (f) => (fs.existsSync(f) ? ts.ScriptSnapshot.fromString(fs.readFileSync(f, 'utf8')) : undefined),
    getCurrentDirectory: () => ROOT,
    getCompilationSettings: () => options,
    getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
    fileExists: ts.sys.fileExists,
    readFile: ts.sys.readFile,
    readDirectory: ts.sys.readDirectory,
    directoryExists: ts.sys.directoryExists,
    getDirectories: ts.sys.getDirectories,
  };
  return ts.createLanguageService(host, ts.createDocumentRegistry());
}

/** Names (and their positions) a file exports by declaration (not barrel re-exports). */
/** @param {ts.SourceFile} sf */
function exportedDeclarations(sf) {
  /** @type {Array<{ name: string, node: ts.Identifier, kind: string }>} */
  const out = [];
  /** @param {ts.Node} n */
  const exported = (n) => ts.canHaveModifiers(n) && (ts.getModifiers(n) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
  for (const st of sf.statements) {
    if (!exported(st)) continue;
    const stName = /** @type {{ name?: ts.Node }} */ (st).name;
    if (ts.isVariableStatement(st)) {
      for (const d of st.declarationList.declarations)
        if (ts.isIdentifier(d.name)) out.push({ name: d.name.text, node: d.name, kind: 'const' });
    } else if (stName && ts.isIdentifier(stName)) {
      const kind = ts.SyntaxKind[st.kind].replace(/Declaration$/, '').toLowerCase();
      out.push({ name: stName.text, node: stName, kind });
    }
  }
  return out;
}

/**
 * @param {ts.SourceFile} sf
 * @param {number} pos
 */
function isBarrelReexport(sf, pos) {
  let node = tsInternal.getTokenAtPosition ? tsInternal.getTokenAtPosition(sf, pos) : undefined;
  while (node && !ts.isSourceFile(node)) {
    if (ts.isExportSpecifier(node)) return true;
    node = node.parent;
  }
  return false;
}

/** Whether the identifier at `pos` sits in an import/export whose module resolves to `barrel`. */
/**
 * @param {ts.SourceFile} sf
 * @param {number} pos
 * @param {string} barrel
 */
function importsFrom(sf, pos, barrel) {
  let node = tsInternal.getTokenAtPosition(sf, pos);
  while (node && !ts.isSourceFile(node) && !ts.isImportDeclaration(node) && !ts.isExportDeclaration(node)) node = node.parent;
  // A use in code: its file's import declaration is a reference of its own, and decides.
  if (!node || ts.isSourceFile(node)) return false;
  const decl = /** @type {ts.ImportDeclaration | ts.ExportDeclaration} */ (node);
  const spec = decl.moduleSpecifier && ts.isStringLiteral(decl.moduleSpecifier) ? decl.moduleSpecifier.text : '';
  if (!spec.startsWith('.')) return false;
  const target = path.resolve(path.dirname(sf.fileName), spec);
  const b = barrel.replace(/\.tsx?$/, '');
  return target === b || (target === path.dirname(barrel) && path.basename(b) === 'index');
}

function main() {
  const json = process.argv.includes('--json');
  const srcFiles = walk(path.join(ROOT, 'src'), isTs);
  const files = [...srcFiles, ...walk(path.join(ROOT, 'test'), isTs), ...walk(path.join(ROOT, 'scripts'), isTs)];
  const ls = languageService(files);
  const program = ls.getProgram();
  if (!program) throw new Error('the TypeScript language service built no program');
  const jsText = [
    ...walk(path.join(ROOT, 'bin'), () => true),
    ...walk(path.join(ROOT, 'scripts'), (p) => /\.(c|m)?js$/.test(p)),
    ...walk(path.join(ROOT, '.ci'), () => true),
    path.join(ROOT, 'package.json'),
  ]
    .filter((f) => fs.existsSync(f))
    .map((f) => fs.readFileSync(f, 'utf8'))
    .join('\n');

  /** @type {Array<{ where: string, name: string, kind: string }>} */
  const unused = [];
  /** @type {Array<{ where: string, name: string, kind: string }>} */
  const localOnly = [];
  for (const file of srcFiles) {
    const sf = program.getSourceFile(file);
    if (!sf) continue;
    for (const d of exportedDeclarations(sf)) {
      const groups = ls.findReferences(file, d.node.getStart(sf)) ?? [];
      let outside = 0;
      let inside = 0;
      for (const g of groups) {
        for (const r of g.references) {
          if (r.isDefinition) continue;
          const rsf = program.getSourceFile(r.fileName);
          if (rsf && isBarrelReexport(rsf, r.textSpan.start)) continue;
          if (path.resolve(r.fileName) === path.resolve(file)) inside++;
          else outside++;
        }
      }
      if (outside > 0) continue;
      if (new RegExp(`\\b${d.name}\\b`).test(jsText)) continue;
      const where = `${path.relative(ROOT, file)}:${sf.getLineAndCharacterOfPosition(d.node.getStart(sf)).line + 1}`;
      (inside > 0 ? localOnly : unused).push({ where, name: d.name, kind: d.kind });
    }
  }
  // Barrel entries (`export { x } from './y'`) that no other file imports through the barrel.
  const unusedReexports = [];
  for (const file of srcFiles) {
    const sf = program.getSourceFile(file);
    if (!sf) continue;
    for (const st of sf.statements) {
      if (!ts.isExportDeclaration(st) || !st.moduleSpecifier || !st.exportClause || !ts.isNamedExports(st.exportClause)) continue;
      for (const spec of st.exportClause.elements) {
        const groups = ls.findReferences(file, spec.name.getStart(sf)) ?? [];
        const viaBarrel = groups.some((g) =>
          g.references.some((r) => {
            if (path.resolve(r.fileName) === path.resolve(file)) return false;
            const rsf = program.getSourceFile(r.fileName);
            if (!rsf || isBarrelReexport(rsf, r.textSpan.start)) return false;
            // An import of this name resolved through THIS barrel (its module specifier names the barrel's folder or file).
            return importsFrom(rsf, r.textSpan.start, file);
          }),
        );
        if (viaBarrel || new RegExp(`\\b${spec.name.text}\\b`).test(jsText)) continue;
        unusedReexports.push({
          where: `${path.relative(ROOT, file)}:${sf.getLineAndCharacterOfPosition(spec.getStart(sf)).line + 1}`,
          name: spec.name.text,
          kind: 're-export',
        });
      }
    }
  }
  if (json) {
    process.stdout.write(JSON.stringify({ unused, unusedReexports, localOnly }, null, 2) + '\n');
    return;
  }
  process.stdout.write(`# unused anywhere (${unused.length})\n`);
  for (const u of unused) process.stdout.write(`${u.where} ${u.name} (${u.kind})\n`);
  process.stdout.write(`# barrel re-exports nobody imports through the barrel (${unusedReexports.length})\n`);
  for (const u of unusedReexports) process.stdout.write(`${u.where} ${u.name} (${u.kind})\n`);
  process.stdout.write(`# used only in their own file (${localOnly.length})\n`);
  for (const u of localOnly) process.stdout.write(`${u.where} ${u.name} (${u.kind})\n`);
}

main();
