import * as fs from 'fs';
import * as path from 'path';
import { appliedMigrationCount } from '../db/migrations';
import { parseDatabaseUrl, redactDatabaseUrl } from '../db/database-url';
import { IndexLifecycle } from './index-lifecycle.service';
import { StartupRefusal } from './startup-errors';
import type { Logger } from './logger';

/**
 * Refuses to start on a database that lost its schema while the saved index
 * says there was data (issue 13). Before this, a 0-byte or replaced database
 * file was migrated into an empty one and the index reconciled against it:
 * every saved vector was deleted with one info line, and the service answered
 * as if nothing had ever been enrolled.
 *
 * Runs BEFORE migrations (which would create the schema and hide the loss).
 * Evidence of data: a sidecar in `<dataDir>/index/` that counts vectors, or an
 * index file whose sidecar is unreadable. With `resetIndex`
 * (SIAMESE_RESET_INDEX=1) the start goes on with an empty service and the index
 * folder is moved aside, never deleted: it may be all that is left of the data.
 */
export interface IndexEvidence {
  /** Vectors the readable sidecars count, over every model version. */
  vectors: number;
  /** Index files (sidecars, .hnsw, .exact) found. */
  files: string[];
  /** Files whose sidecar could not be read: they may hold vectors. */
  unreadable: number;
}

export async function guardDatabaseAgainstIndex(
  opts: { databaseUrl: string; dataDir: string; resetIndex: boolean },
  logger: Logger,
): Promise<void> {
  const indexDir = IndexLifecycle.indexDir(opts.dataDir);
  const evidence = indexEvidence(indexDir);
  if (evidence.vectors === 0 && evidence.unreadable === 0) return;
  const applied = await appliedMigrationCount(opts.databaseUrl);
  if (applied > 0) return;

  const held = evidence.vectors > 0 ? `${evidence.vectors} vectors` : `${evidence.files.length} files`;
  if (!opts.resetIndex) {
    throw new StartupRefusal(
      `the database (${describeDatabase(opts.databaseUrl)}) is empty or has no schema, but ${indexDir} holds saved indexes of ${held}: ` +
        'the database was lost or replaced. Restore it from a backup; or, to start empty, set SIAMESE_RESET_INDEX=1 ' +
        `(the index files are moved to ${opts.dataDir}/index-orphaned-<time>/, not deleted) or move ${indexDir} away yourself`,
    );
  }
  const aside = path.join(opts.dataDir, `index-orphaned-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  fs.renameSync(indexDir, aside);
  logger.error('database has no schema but saved indexes held data: SIAMESE_RESET_INDEX set, starting empty; index files moved aside', {
    vectors: evidence.vectors,
    movedTo: aside,
  });
}

const EMPTY_INDEX_FILE_BYTES = 96;

export function indexEvidence(indexDir: string): IndexEvidence {
  let names: string[];
  try {
    names = fs.readdirSync(indexDir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { vectors: 0, files: [], unreadable: 0 };
    throw e;
  }
  const files = names.filter((n) => /\.(index\.json|hnsw|exact)$/.test(n) && !n.includes('.tmp-'));
  let vectors = 0;
  let unreadable = 0;
  const described = new Set<string>();
  for (const name of files.filter((n) => n.endsWith('.index.json'))) {
    try {
      const sidecar = JSON.parse(fs.readFileSync(path.join(indexDir, name), 'utf8')) as { count?: unknown; indexFile?: unknown };
      if (typeof sidecar.count === 'number' && sidecar.count >= 0) vectors += sidecar.count;
      else unreadable++;
      if (typeof sidecar.indexFile === 'string') described.add(sidecar.indexFile);
    } catch {
      unreadable++;
    }
  }
  // An index file no readable sidecar describes, larger than an empty one (hnswlib's header
  // alone is 96 bytes, the exact file's 24): it may hold vectors.
  for (const name of files.filter((n) => !n.endsWith('.index.json') && !described.has(n))) {
    if (fs.statSync(path.join(indexDir, name)).size > EMPTY_INDEX_FILE_BYTES) unreadable++;
  }
  return { vectors, files, unreadable };
}

function describeDatabase(databaseUrl: string): string {
  const parsed = parseDatabaseUrl(databaseUrl);
  if (parsed.provider !== 'sqlite') return redactDatabaseUrl(databaseUrl);
  try {
    return `${parsed.filename}, ${fs.statSync(parsed.filename).size} bytes`;
  } catch {
    return `${parsed.filename}, missing`;
  }
}
