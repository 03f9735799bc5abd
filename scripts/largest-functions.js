#!/usr/bin/env node
/**
 * The largest source files and functions, by lines, read with the TypeScript compiler API
 * (no type checking: a parse of each file). Used to follow the code-structure guardrails of
 * issue 14 (docs/guardrails/split-notes.md): big files and big functions are where review
 * misses things, so we measure them before and after a split instead of guessing.
 *
 *   node scripts/largest-functions.js                 # src/, top 15 of each, Markdown tables
 *   node scripts/largest-functions.js --top 20 --root /tmp/other-checkout
 *   node scripts/largest-functions.js --json          # machine-readable
 *
 * A "function" is any function declaration, method, constructor, accessor, function
 * expression or arrow function; its size is the span of its lines, first to last (a nested
 * function counts inside its parent too, as a reader sees it). A file's size is its line count.
 */
'use strict';
const fs = require('fs');
const path = require('path');
const ts = require('typescript');

/** @param {string[]} argv */
function parseArgs(argv) {
  const out = { top: 15, root: process.cwd(), dir: 'src', json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--top') out.top = Number(argv[++i]);
    else if (a === '--root') out.root = path.resolve(argv[++i]);
    else if (a === '--dir') out.dir = argv[++i];
    else if (a === '--json') out.json = true;
    else throw new Error(`unknown argument ${a} (use --top N, --root DIR, --dir SUBDIR, --json)`);
  }
  if (!Number.isInteger(out.top) || out.top < 1) throw new Error('--top wants a positive integer');
  return out;
}

/**
 * @param {string} dir
 * @returns {string[]}
 */
function sourceFiles(dir) {
  /** @type {string[]} */
  const files = [];
  /** @param {string} d */
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts')) files.push(p);
    }
  };
  walk(dir);
  return files.sort();
}

/** A readable name for a function node: `Class.method`, `name`, or `<arrow in name>`. */
/** @param {ts.FunctionLikeDeclaration} node */
function nameOf(node) {
  const own =
    node.name && (ts.isIdentifier(node.name) || ts.isStringLiteral(node.name) || ts.isPrivateIdentifier(node.name))
      ? node.name.text
      : undefined;
  const cls =
    node.parent && (ts.isClassDeclaration(node.parent) || ts.isClassExpression(node.parent)) && node.parent.name
      ? node.parent.name.text
      : undefined;
  if (ts.isConstructorDeclaration(node)) return `${cls ?? '<class>'}.constructor`;
  if (own) return cls ? `${cls}.${own}` : own;
  // An anonymous function takes the name it is assigned to or passed as a property.
  const p = node.parent;
  if (
    p &&
    (ts.isVariableDeclaration(p) || ts.isPropertyAssignment(p) || ts.isPropertyDeclaration(p)) &&
    p.name &&
    ts.isIdentifier(p.name)
  ) {
    const owner = ts.isPropertyDeclaration(p) && p.parent && p.parent.name ? `${p.parent.name.text}.` : '';
    return `${owner}${p.name.text}`;
  }
  return '<anonymous>';
}

/**
 * @param {ts.Node} node
 * @returns {node is ts.FunctionLikeDeclaration}
 */
function isFunction(node) {
  return (
    ts.isFunctionDeclaration(node) ||
    ts.isMethodDeclaration(node) ||
    ts.isConstructorDeclaration(node) ||
    ts.isGetAccessorDeclaration(node) ||
    ts.isSetAccessorDeclaration(node) ||
    ts.isFunctionExpression(node) ||
    ts.isArrowFunction(node)
  );
}

/**
 * @param {string} root
 * @param {string} dir
 */
function measure(root, dir) {
  /** @type {Array<{ file: string, lines: number }>} */
  const files = [];
  /** @type {Array<{ name: string, file: string, line: number, lines: number }>} */
  const functions = [];
  for (const file of sourceFiles(path.join(root, dir))) {
    const text = fs.readFileSync(file, 'utf8');
    const rel = path.relative(root, file).split(path.sep).join('/');
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
    files.push({ file: rel, lines: text.split('\n').length - (text.endsWith('\n') ? 1 : 0) });
    /** @param {ts.Node} node */
    const visit = (node) => {
      if (isFunction(node) && node.body) {
        const first = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
        const last = sf.getLineAndCharacterOfPosition(node.getEnd()).line + 1;
        functions.push({ name: nameOf(node), file: rel, line: first, lines: last - first + 1 });
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  /**
   * @param {{ file: string, lines: number }} a
   * @param {{ file: string, lines: number }} b
   */
  const byLines = (a, b) => b.lines - a.lines || (a.file < b.file ? -1 : a.file > b.file ? 1 : 0);
  return { files: files.sort(byLines), functions: functions.sort(byLines) };
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const m = measure(args.root, args.dir);
  const top = { files: m.files.slice(0, args.top), functions: m.functions.slice(0, args.top) };
  if (args.json) {
    process.stdout.write(JSON.stringify({ fileCount: m.files.length, functionCount: m.functions.length, ...top }, null, 2) + '\n');
    return;
  }
  const out = [];
  out.push(`${m.files.length} files, ${m.functions.length} functions under ${args.dir}/`, '');
  out.push('| # | file | lines |', '|---|---|---|');
  top.files.forEach((f, i) => out.push(`| ${i + 1} | \`${f.file}\` | ${f.lines} |`));
  out.push('', '| # | function | where | lines |', '|---|---|---|---|');
  top.functions.forEach((f, i) => out.push(`| ${i + 1} | \`${f.name}\` | \`${f.file}:${f.line}\` | ${f.lines} |`));
  process.stdout.write(out.join('\n') + '\n');
}

if (require.main === module) main();
module.exports = { measure };
