import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isMetric, type Metric } from '../metric/metric';
import { ExactIndex } from './exact.index';
import { HnswIndex } from './hnsw.index';

/**
 * Persistence of a vector index: the index file plus a JSON sidecar beside it
 * (`<name>.index.json`). The index is derived data: the database is the source
 * of truth, so `loadIndex` never repairs anything, it says why it cannot use
 * the files ('missing' | 'stale' | 'foreign' | 'corrupt') and the caller
 * rebuilds from the database.
 *
 * Crash safety of `saveIndex`: each file is written to a temp name, fsynced,
 * renamed over the old one, then the directory is fsynced. The index file is
 * renamed first and the sidecar last, and the sidecar records the index file's
 * size and sha256: a crash between the two renames leaves a new index under an
 * old sidecar, which fails the checksum ('corrupt' → rebuild) instead of being
 * trusted. The checksum also keeps truncated or foreign bytes away from
 * hnswlib's loader, which does not validate everything it reads.
 *
 * Saving is synchronous on purpose: hnswlib's async writer runs on another
 * thread while the event loop may be adding points, and hnswlib is not safe
 * for concurrent read and write. A 100k × 128-d index is ~65 MB.
 *
 * Full disk (issue 13): hnswlib writes with a std::ofstream and checks no
 * error, so on a full disk `writeIndexSync` "succeeds" with a truncated or
 * empty file, and its checksum then matched a sidecar. Every temp file is
 * therefore checked against the layout it must have (`checkHnswLayout`, the
 * exact file's length) BEFORE it replaces the saved one: a failed save leaves
 * the previous index and sidecar untouched and throws (code ENOSPC when the
 * disk is the cause). On load the same check runs before hnswlib's loader
 * sees the file, so a truncated file is never trusted, whatever its sidecar says.
 *
 * Files: `<name>.hnsw` (hnswlib's own format) or `<name>.exact` (below).
 */
export const INDEX_FORMAT_VERSION = 1;

export type IndexKind = 'hnsw' | 'exact';
export type PersistableIndex = HnswIndex | ExactIndex;

export interface IndexSidecar {
  formatVersion: number;
  kind: IndexKind;
  modelFingerprint: string;
  modelVersion: string;
  metric: Metric;
  dimension: number;
  /** Live vectors. */
  count: number;
  /** HNSW parameters; null for the exact index. */
  M: number | null;
  efConstruction: number | null;
  ef: number | null;
  capacity: number;
  /** See labelsChecksum(): lets a caller compare against the database's labels. */
  labelsChecksum: string;
  /** The index file's base name, byte size and sha256. */
  indexFile: string;
  indexBytes: number;
  indexSha256: string;
  savedAt: string;
  /**
   * The change-feed position (issue 18) the saved index reflects: every change up to it is in
   * the file. Saved WITH the index so the two can never disagree; a restart applies only the
   * changes after it. Absent (older files, or a save outside a replica) means: reconcile fully.
   */
  feed?: { seq: number; at: string } | null;
}

export interface IndexMeta {
  modelFingerprint: string;
  modelVersion: string;
  /** See IndexSidecar.feed. */
  feed?: { seq: number; at: string } | null;
}

export interface ExpectedIndex {
  modelFingerprint: string;
  metric: Metric;
  dimension: number;
  /** When given (e.g. from the database's embedding ids), a differing sidecar is 'stale'. */
  labelsChecksum?: string;
  count?: number;
}

export type LoadFailureReason = 'missing' | 'stale' | 'foreign' | 'corrupt';
export type LoadResult = { index: PersistableIndex; sidecar: IndexSidecar } | { reason: LoadFailureReason; detail: string };

export function isLoadFailure(r: LoadResult): r is { reason: LoadFailureReason; detail: string } {
  return 'reason' in r;
}

/** sha256 over the sorted, de-duplicated labels as little-endian uint32s. */
export function labelsChecksum(labels: Iterable<number>): string {
  const sorted = Uint32Array.from(new Set(labels)).sort();
  return createHash('sha256')
    .update(new Uint8Array(sorted.buffer, sorted.byteOffset, sorted.byteLength))
    .digest('hex');
}

export function sidecarPath(dir: string, name: string): string {
  return path.join(dir, `${name}.index.json`);
}

export function indexFilePath(dir: string, name: string, kind: IndexKind): string {
  return path.join(dir, `${name}.${kind}`);
}

export function saveIndex(dir: string, name: string, index: PersistableIndex, meta: IndexMeta): IndexSidecar {
  checkName(name);
  fs.mkdirSync(dir, { recursive: true });
  const kind: IndexKind = index.kind;
  const indexPath = indexFilePath(dir, name, kind);
  const indexTmp = tempName(indexPath);
  const sidePath = sidecarPath(dir, name);
  const sideTmp = tempName(sidePath);
  try {
    if (index.kind === 'hnsw') {
      index.writeTo(indexTmp);
      const layout = checkHnswLayout(indexTmp);
      const elements = index.size + index.deletedCount;
      if (!layout.ok || layout.elements !== elements) {
        throw incompleteWrite(indexTmp, layout.ok ? `holds ${layout.elements} points, expected ${elements}` : layout.problem);
      }
    } else {
      writeExact(indexTmp, index);
    }
    fsyncFile(indexTmp);
    const { bytes, sha256 } = hashFile(indexTmp);
    const sidecar: IndexSidecar = {
      formatVersion: INDEX_FORMAT_VERSION,
      kind,
      modelFingerprint: meta.modelFingerprint,
      modelVersion: meta.modelVersion,
      metric: index.metric,
      dimension: index.dimension,
      count: index.size,
      M: index.kind === 'hnsw' ? index.M : null,
      efConstruction: index.kind === 'hnsw' ? index.efConstruction : null,
      ef: index.kind === 'hnsw' ? index.ef : null,
      capacity: index.capacity,
      labelsChecksum: labelsChecksum(index.labels()),
      indexFile: path.basename(indexPath),
      indexBytes: bytes,
      indexSha256: sha256,
      savedAt: new Date().toISOString(),
      feed: meta.feed ?? null,
    };
    fs.renameSync(indexTmp, indexPath);
    fsyncDir(dir);
    writeFileDurably(sideTmp, JSON.stringify(sidecar, null, 2) + '\n');
    fs.renameSync(sideTmp, sidePath);
    fsyncDir(dir);
    // A file of the other kind is now unreferenced (e.g. after switching exact → hnsw).
    fs.rmSync(indexFilePath(dir, name, kind === 'hnsw' ? 'exact' : 'hnsw'), { force: true });
    return sidecar;
  } finally {
    fs.rmSync(indexTmp, { force: true });
    fs.rmSync(sideTmp, { force: true });
  }
}

export function loadIndex(dir: string, name: string, expected: ExpectedIndex): LoadResult {
  checkName(name);
  let text: string;
  try {
    text = fs.readFileSync(sidecarPath(dir, name), 'utf8');
  } catch (e) {
    if (isEnoent(e)) return { reason: 'missing', detail: `no sidecar ${sidecarPath(dir, name)}` };
    throw e;
  }
  let sidecar: IndexSidecar;
  try {
    sidecar = parseSidecar(JSON.parse(text));
  } catch (e) {
    return { reason: 'corrupt', detail: `sidecar unreadable: ${(e as Error).message}` };
  }
  if (sidecar.formatVersion !== INDEX_FORMAT_VERSION) {
    return { reason: 'stale', detail: `format version ${sidecar.formatVersion}, this build reads ${INDEX_FORMAT_VERSION}` };
  }
  if (sidecar.modelFingerprint !== expected.modelFingerprint) {
    return { reason: 'foreign', detail: `built for model ${sidecar.modelFingerprint}, active model is ${expected.modelFingerprint}` };
  }
  if (sidecar.metric !== expected.metric || sidecar.dimension !== expected.dimension) {
    return {
      reason: 'foreign',
      detail: `index is ${sidecar.metric}/${sidecar.dimension}-d, expected ${expected.metric}/${expected.dimension}-d`,
    };
  }
  if (expected.count !== undefined && expected.count !== sidecar.count) {
    return { reason: 'stale', detail: `index holds ${sidecar.count} vectors, the database ${expected.count}` };
  }
  if (expected.labelsChecksum !== undefined && expected.labelsChecksum !== sidecar.labelsChecksum) {
    return { reason: 'stale', detail: 'index labels differ from the database' };
  }
  const file = path.join(dir, sidecar.indexFile);
  let actual: { bytes: number; sha256: string };
  try {
    actual = hashFile(file);
  } catch (e) {
    if (isEnoent(e)) return { reason: 'missing', detail: `no index file ${file}` };
    throw e;
  }
  if (actual.bytes !== sidecar.indexBytes || actual.sha256 !== sidecar.indexSha256) {
    return { reason: 'corrupt', detail: `${file} does not match its sidecar (${actual.bytes} bytes, expected ${sidecar.indexBytes})` };
  }
  if (sidecar.kind === 'hnsw') {
    // A checksum only proves the file is the one that was saved, not that it was saved whole.
    const layout = checkHnswLayout(file);
    if (!layout.ok) return { reason: 'corrupt', detail: `${file}: ${layout.problem}` };
    if (layout.elements < sidecar.count) {
      return { reason: 'corrupt', detail: `${file} holds ${layout.elements} points, its sidecar ${sidecar.count} live vectors` };
    }
  }
  let index: PersistableIndex;
  try {
    index =
      sidecar.kind === 'hnsw'
        ? HnswIndex.readFrom(
            file,
            {
              metric: sidecar.metric,
              dimension: sidecar.dimension,
              M: sidecar.M ?? undefined,
              efConstruction: sidecar.efConstruction ?? undefined,
              ef: sidecar.ef ?? undefined,
            },
            sidecar.count,
          )
        : readExact(file, sidecar.metric, sidecar.dimension);
  } catch (e) {
    return { reason: 'corrupt', detail: `${file}: ${(e as Error).message}` };
  }
  if (index.size !== sidecar.count || labelsChecksum(index.labels()) !== sidecar.labelsChecksum) {
    return { reason: 'corrupt', detail: `${file} holds other labels than its sidecar describes` };
  }
  return { index, sidecar };
}

// ---- the exact index's file: a 24-byte header, uint32 labels, float32 rows (all little-endian)

const EXACT_MAGIC = 0x49455853; // "SXEI" read as little-endian uint32
const EXACT_HEADER = 24;

function writeExact(file: string, index: ExactIndex): void {
  const { labels, vectors } = index.rows();
  const header = Buffer.alloc(EXACT_HEADER);
  header.writeUInt32LE(EXACT_MAGIC, 0);
  header.writeUInt32LE(1, 4);
  header.writeUInt32LE(index.dimension, 8);
  header.writeUInt32LE(index.metric === 'cosine' ? 1 : 0, 12);
  header.writeUInt32LE(labels.length, 16);
  const fd = fs.openSync(file, 'w');
  try {
    writeAll(fd, header);
    writeAll(fd, new Uint8Array(labels.buffer, labels.byteOffset, labels.byteLength));
    writeAll(fd, new Uint8Array(vectors.buffer, vectors.byteOffset, vectors.byteLength));
  } finally {
    fs.closeSync(fd);
  }
  const expected = EXACT_HEADER + labels.byteLength + vectors.byteLength;
  const written = fs.statSync(file).size;
  if (written !== expected) throw incompleteWrite(file, `${written} bytes, expected ${expected}`);
}

function readExact(file: string, metric: Metric, dimension: number): ExactIndex {
  const buf = fs.readFileSync(file);
  if (buf.length < EXACT_HEADER || buf.readUInt32LE(0) !== EXACT_MAGIC) throw new Error('not an exact-index file');
  if (buf.readUInt32LE(4) !== 1) throw new Error(`exact-index version ${buf.readUInt32LE(4)} unsupported`);
  const dim = buf.readUInt32LE(8);
  const fileMetric: Metric = buf.readUInt32LE(12) === 1 ? 'cosine' : 'euclidean';
  const count = buf.readUInt32LE(16);
  if (dim !== dimension || fileMetric !== metric) throw new Error(`file is ${fileMetric}/${dim}-d`);
  if (buf.length !== EXACT_HEADER + count * 4 + count * dim * 4) throw new Error('exact-index file has the wrong length');
  // Copy into aligned arrays: a Buffer's byteOffset into the pool need not be a multiple of 4.
  const body = new Uint8Array(buf.buffer, buf.byteOffset + EXACT_HEADER, buf.length - EXACT_HEADER).slice();
  const labels = new Uint32Array(body.buffer, 0, count);
  const vectors = new Float32Array(body.buffer, count * 4, count * dim);
  const index = new ExactIndex({ metric, dimension, initialCapacity: Math.max(1, count) });
  for (let i = 0; i < count; i++) index.add(labels[i], vectors.subarray(i * dim, (i + 1) * dim));
  return index;
}

// ---- hnswlib's file layout (hnswalg.h saveIndex, hnswlib 0.8): a 96-byte header of
// size_t/int/double fields, cur_element_count × size_data_per_element bytes of level-0
// data, then per element a uint32 byte count and that many bytes of upper-level links.

const HNSW_HEADER = 96;

export type HnswLayoutCheck = { ok: true; elements: number } | { ok: false; problem: string };

/** Walks the file's structure (without loading it): a truncated or padded file fails. */
export function checkHnswLayout(file: string): HnswLayoutCheck {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    if (size < HNSW_HEADER) return { ok: false, problem: `${size} bytes, shorter than the ${HNSW_HEADER}-byte header` };
    const header = Buffer.alloc(HNSW_HEADER);
    fs.readSync(fd, header, 0, HNSW_HEADER, 0);
    const maxElements = header.readBigUInt64LE(8);
    const count = header.readBigUInt64LE(16);
    const perElement = header.readBigUInt64LE(24);
    if (count > maxElements || perElement === 0n || perElement > 1n << 24n) {
      return { ok: false, problem: 'header fields out of range' };
    }
    const linksStart = BigInt(HNSW_HEADER) + count * perElement;
    if (linksStart + count * 4n > BigInt(size)) return { ok: false, problem: `${size} bytes, too short for ${count} points` };
    const links = Buffer.alloc(size - Number(linksStart));
    fs.readSync(fd, links, 0, links.length, Number(linksStart));
    let at = 0;
    for (let i = 0; i < Number(count); i++) {
      if (at + 4 > links.length) return { ok: false, problem: `truncated in the link lists (point ${i} of ${count})` };
      at += 4 + links.readUInt32LE(at);
    }
    if (at !== links.length) return { ok: false, problem: `${links.length - at} bytes after the last point's links` };
    return { ok: true, elements: Number(count) };
  } finally {
    fs.closeSync(fd);
  }
}

// ---- helpers

function parseSidecar(raw: unknown): IndexSidecar {
  if (typeof raw !== 'object' || raw === null) throw new Error('not an object');
  const o = raw as Record<string, unknown>;
  const str = (k: string) => {
    if (typeof o[k] !== 'string') throw new Error(`field ${k} must be a string`);
    return o[k] as string;
  };
  const int = (k: string) => {
    if (!Number.isInteger(o[k]) || (o[k] as number) < 0) throw new Error(`field ${k} must be a non-negative integer`);
    return o[k] as number;
  };
  const intOrNull = (k: string) => (o[k] === null ? null : int(k));
  const metric = str('metric');
  if (!isMetric(metric)) throw new Error(`unknown metric ${metric}`);
  const kind = str('kind');
  if (kind !== 'hnsw' && kind !== 'exact') throw new Error(`unknown index kind ${kind}`);
  const indexFile = str('indexFile');
  if (indexFile !== path.basename(indexFile)) throw new Error('indexFile must be a bare file name');
  return {
    formatVersion: int('formatVersion'),
    kind,
    modelFingerprint: str('modelFingerprint'),
    modelVersion: str('modelVersion'),
    metric,
    dimension: int('dimension'),
    count: int('count'),
    M: intOrNull('M'),
    efConstruction: intOrNull('efConstruction'),
    ef: intOrNull('ef'),
    capacity: int('capacity'),
    labelsChecksum: str('labelsChecksum'),
    indexFile,
    indexBytes: int('indexBytes'),
    indexSha256: str('indexSha256'),
    savedAt: str('savedAt'),
    feed: feedOf(o.feed),
  };
}

/** A saved feed position, or null when absent or malformed (the caller then reconciles fully). */
function feedOf(raw: unknown): { seq: number; at: string } | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const { seq, at } = raw as Record<string, unknown>;
  return Number.isInteger(seq) && (seq as number) >= 0 && typeof at === 'string' ? { seq: seq as number, at } : null;
}

function checkName(name: string): void {
  if (!/^[A-Za-z0-9._-]+$/.test(name) || name.startsWith('.')) {
    throw new RangeError(`index name must be a plain file name, got '${name}'`);
  }
}

function tempName(file: string): string {
  return `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
}

function hashFile(file: string): { bytes: number; sha256: string } {
  const hash = createHash('sha256');
  const chunk = Buffer.allocUnsafe(1 << 20);
  const fd = fs.openSync(file, 'r');
  let bytes = 0;
  try {
    for (;;) {
      const n = fs.readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      hash.update(chunk.subarray(0, n));
      bytes += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  return { bytes, sha256: hash.digest('hex') };
}

/** fs.writeSync may write less than asked (a nearly full disk): loop until all is written or it throws. */
function writeAll(fd: number, data: Uint8Array): void {
  let at = 0;
  while (at < data.byteLength) {
    const n = fs.writeSync(fd, data, at, data.byteLength - at);
    if (n <= 0) throw incompleteWrite(`fd ${fd}`, `write returned ${n}`);
    at += n;
  }
}

/**
 * A write that reported success but left a short file (hnswlib does not check its stream). The
 * cause is nearly always the disk: when little space is left it is reported as ENOSPC.
 */
function incompleteWrite(file: string, detail: string): NodeJS.ErrnoException {
  const e: NodeJS.ErrnoException = new Error(`${file} was not written completely: ${detail}`);
  let free = Infinity;
  try {
    const st = fs.statfsSync(path.dirname(file));
    free = st.bavail * st.bsize;
  } catch {
    // unknown: leave it EIO
  }
  e.code = free < LOW_SPACE_BYTES ? 'ENOSPC' : 'EIO';
  return e;
}

const LOW_SPACE_BYTES = 1 << 20;

function writeFileDurably(file: string, content: string): void {
  const fd = fs.openSync(file, 'w');
  try {
    writeAll(fd, Buffer.from(content, 'utf8'));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function fsyncFile(file: string): void {
  const fd = fs.openSync(file, 'r+');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Makes the renames themselves durable. Not supported on Windows: skipped there. */
function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch (e) {
    if (process.platform !== 'win32') throw e;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function isEnoent(e: unknown): boolean {
  return (e as NodeJS.ErrnoException)?.code === 'ENOENT';
}
