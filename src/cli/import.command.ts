import * as fs from 'fs';
import * as path from 'path';
import { createHash } from 'crypto';
import { loadConfig, type Config } from '../config';
import { openServiceStack, type ServiceStack } from '../main';
import { isDomainError } from '../errors';
import { ProgressBar, type ProgressStats } from './progress';
import { LOCK_FILE, describeLock, liveDataDirLock } from '../services/data-dir-lock';
import { listImageFolders } from '../training/data/image-folders';

export const summary = 'bulk-enroll a folder tree into the configured database (identity = folder)';

const HELP = `usage: siamese import --data DIR [--json] [--while-serving]

Every folder under DIR that directly holds image files becomes an identity named by its
path relative to DIR (e.g. s1, or Alphabet/character01); its images are enrolled with the
configured model (SIAMESE_MODEL) into the configured database (DATABASE_URL, SIAMESE_DATA_DIR).
Re-running is safe: an identity is reused by name (compared as the API does: case, Unicode
form and spacing ignored) and images already enrolled (same SHA-256) are skipped.
Servers may be running on the same database: every image goes through the same transaction
as enrollImages, with its change-feed entry, and each server adds it to its own index from
the feed. The import never writes index files.
A server serving the same data directory (SIAMESE_DATA_DIR, its server.lock) makes the import
refuse on SQLite, and on PostgreSQL unless --while-serving is given (issue 14).`;

const IMAGE_EXT = new Set(['.png', '.jpg', '.jpeg', '.webp', '.gif', '.tif', '.tiff', '.bmp', '.pgm', '.avif']);

export interface ImportFolder {
  name: string;
  files: string[];
}

/** Folders holding images, sorted by name; files sorted inside each; symbolic links followed (training/data/image-folders.ts). */
export function scanImageTree(root: string): ImportFolder[] {
  const out = listImageFolders(root, IMAGE_EXT, (a, b) => a.localeCompare(b)).map(({ dir, files }) => {
    const rel = path.relative(root, dir).split(path.sep).join('/');
    return { name: rel === '' ? path.basename(root) : rel, files: files.map((f) => path.join(dir, f)) };
  });
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(HELP);
    return 0;
  }
  const at = argv.indexOf('--data');
  const dir = at >= 0 ? argv[at + 1] : undefined;
  const json = argv.includes('--json');
  if (!dir) {
    console.error('siamese import: --data DIR is required (see --help)');
    return 2;
  }
  const root = path.resolve(dir);
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) {
    console.error(`siamese import: ${root} is not a directory`);
    return 2;
  }
  const folders = scanImageTree(root);
  if (folders.length === 0) {
    console.error(`siamese import: no images under ${root}`);
    return 1;
  }

  const config = loadConfig();
  const refusal = importWhileServingRefusal(config, argv.includes('--while-serving'));
  if (refusal) {
    console.error(`siamese import: ${refusal}`);
    return 1;
  }
  // Write-only (issue 18): rows and their change-feed entries; the servers' followers index them.
  const stack = await openServiceStack(config, { writeOnly: true });
  const bar = new ProgressBar(process.stderr, 24, 10, 'import');
  let result: ImportResult;
  try {
    result = await importTree(stack, root, folders, {
      chunk: config.limits.maxImagesPerCall,
      onProgress: json ? undefined : (p) => bar.update(p),
    });
  } finally {
    if (!json) bar.done();
    await stack.close();
  }
  if (json) console.log(JSON.stringify(result));
  else {
    console.log(
      `imported ${result.enrolled} images into ${result.identities} identities (${result.createdIdentities} new), ` +
        `${result.skipped} already enrolled, ${result.failed} refused, in ${result.seconds.toFixed(1)} s`,
    );
    for (const f of result.failures) console.log(`  refused ${f.file}: ${f.code} ${f.message}`);
  }
  return result.failed > 0 ? 1 : 0;
}

/**
 * Why the import must not run now, or undefined. A server serving this data directory holds
 * `<data dir>/server.lock` (src/services/data-dir-lock.ts, written by startServer). On SQLite the
 * import would be a second writer on the server's database file and data directory: refused.
 * On PostgreSQL it may run beside the server when asked to (--while-serving): the database takes
 * concurrent writers, and the server learns of the new rows from the change feed.
 */
export function importWhileServingRefusal(config: Pick<Config, 'dataDir' | 'databaseUrl'>, whileServing: boolean): string | undefined {
  const lock = liveDataDirLock(config.dataDir);
  if (!lock) return undefined;
  const postgres = /^postgres(ql)?:\/\//.test(config.databaseUrl);
  if (postgres && whileServing) return undefined;
  const who = `a server (${describeLock(lock)}) is serving ${config.dataDir} (see ${LOCK_FILE} there)`;
  if (!postgres) {
    return `${who} on SQLite: stop it first${whileServing ? ' (--while-serving needs PostgreSQL)' : ''}; delete the lock file only if no server runs`;
  }
  return `${who}: stop it first, or pass --while-serving to import beside it (PostgreSQL)`;
}

export interface ImportResult {
  root: string;
  identities: number;
  createdIdentities: number;
  enrolled: number;
  skipped: number;
  failed: number;
  failures: Array<{ file: string; code: string; message: string }>;
  seconds: number;
}

/**
 * Enrolls `folders` through the services (same validation, transaction and
 * index path as the API). Idempotent: identities are reused by normalised
 * name and images already enrolled for them (same SHA-256) are skipped.
 */
export async function importTree(
  stack: Pick<ServiceStack, 'services' | 'store'>,
  root: string,
  folders: ImportFolder[],
  opts: { chunk: number; onProgress?: (p: ProgressStats) => void },
): Promise<ImportResult> {
  const { services, store } = stack;
  const totalFiles = folders.reduce((n, f) => n + f.files.length, 0);
  const t0 = Date.now();
  let processed = 0;
  let enrolled = 0;
  let skipped = 0;
  let createdIdentities = 0;
  const failures: ImportResult['failures'] = [];
  const report = (label: string) => {
    const rate = processed / Math.max(0.001, (Date.now() - t0) / 1000);
    opts.onProgress?.({
      done: processed,
      total: totalFiles,
      fields: { 'img/s': rate.toFixed(1), identity: label },
      etaSec: (totalFiles - processed) / Math.max(rate, 1e-9),
    });
  };
  for (const folder of folders) {
    // Names are unique up to case, Unicode form and spacing (services/identity-name.ts): folder
    // 'ada' reuses the identity 'Ada' created through the API instead of failing with CONFLICT.
    let identity;
    try {
      identity = await services.identities.findByName(folder.name);
      if (!identity) {
        identity = await services.identities.create(folder.name, { importedFrom: folder.name });
        createdIdentities++;
      }
    } catch (e) {
      // A folder name that cannot be an identity name (control characters…): its files are refused, the rest goes on.
      if (!isDomainError(e)) throw e;
      for (const file of folder.files) failures.push({ file: path.relative(root, file), code: e.code, message: e.message });
      processed += folder.files.length;
      continue;
    }
    const known = new Set((await store.listImages(identity.id)).map((i) => i.sha256));
    const todo: Array<{ file: string; bytes: Buffer }> = [];
    for (const file of folder.files) {
      const bytes = fs.readFileSync(file);
      const sha = createHash('sha256').update(bytes).digest('hex');
      if (known.has(sha)) {
        skipped++;
        processed++;
      } else {
        known.add(sha);
        todo.push({ file, bytes });
      }
    }
    for (let i = 0; i < todo.length; i += opts.chunk) {
      const part = todo.slice(i, i + opts.chunk);
      try {
        await services.enrollment.enrollImages(
          identity.id,
          part.map((p) => asBytesInput(p.bytes)),
        );
        enrolled += part.length;
      } catch (e) {
        if (!isDomainError(e)) throw e;
        // One bad file must not sink its folder: retry one by one and report the culprits.
        for (const p of part) {
          try {
            await services.enrollment.enrollImages(identity.id, [asBytesInput(p.bytes)]);
            enrolled++;
          } catch (single) {
            if (!isDomainError(single)) throw single;
            failures.push({ file: path.relative(root, p.file), code: single.code, message: single.message });
          }
        }
      }
      processed += part.length;
      report(folder.name);
    }
  }
  return {
    root,
    identities: folders.length,
    createdIdentities,
    enrolled,
    skipped,
    failed: failures.length,
    failures,
    seconds: (Date.now() - t0) / 1000,
  };
}

/** The service takes ImageInputs; a file read here goes in as base64 (no size surprise: same limits). */
function asBytesInput(bytes: Buffer) {
  return { base64: bytes.toString('base64') };
}
