import type { LoadResult } from './load';
import type { MatMulResult } from './matmul.bench';
import type { PeerResult } from './peer';
import type { IndexSizeResult, PgvectorSizeResult } from './index.bench';
import { ratio, round, summarize, type LatencySummary } from './stats';

/**
 * The one object `siamese bench --json` prints. Keys named in issue 6 are
 * always present (null when the part was not run or not available), so runs
 * can be compared by script.
 */
export type BenchPart = 'seed' | 'default' | 'face' | 'http' | 'index';
export const BENCH_PARTS: readonly BenchPart[] = ['seed', 'default', 'face', 'http', 'index'];

export interface Skipped {
  available: false;
  reason: string;
}

export interface SeedReport {
  backend: string;
  batch: number;
  input: [number, number, number];
  /** Single wasm instance, this thread. */
  embedImagesPerSec: number | null;
  trainPairsPerSec: number | null;
  embedGflops: number | null;
  trainGflops: number | null;
  flopsPerImage: number;
  flopsPerPair: number;
  /** All cores: N embedding instances in worker threads at once; training with the N-worker data-parallel trainer. */
  instances: {
    count: number;
    embedImagesPerSec: number | null;
    trainPairsPerSec: number | null;
    /** Pairs per forward/backward pass inside each data-parallel worker. */
    trainMicroBatch?: number;
    note?: string;
  };
  encoder: string;
  /** Pairs per forward/backward pass; gradients of batch / trainMicroBatch passes are averaged per Adam step. */
  trainMicroBatch: number;
  trainError?: string;
  /** Per-kernel time of one training step (tf.profile), largest first. */
  trainProfile?: { wallMs: number; kernels: { kernel: string; ms: number; share: number }[] };
  notes: string[];
}

export interface DefaultReport {
  available: boolean;
  reason?: string;
  model?: string;
  backbone?: string;
  input?: [number, number, number];
  embedImagesPerSec: number | null;
  instances?: { count: number; embedImagesPerSec: number | null; note?: string };
}

export interface HttpReport {
  available: boolean;
  reason?: string;
  model?: string;
  /** SIAMESE_EMBEDDING_POOL_SIZE the server ran with. */
  poolSize?: number;
  imageSource?: string;
  verifyP50Ms: number | null;
  verifyP99Ms: number | null;
  searchP50Ms?: number | null;
  searchP99Ms?: number | null;
  enrolled?: number;
  runs?: Record<string, LoadResult>;
  verifyRpsRatio16to1?: number | null;
}

/** Stages of our face pipeline timed one by one on each photo (see face.bench.ts). */
export const FACE_STAGES = ['decode', 'detectTiny', 'detectSsd', 'landmarks', 'align', 'embed', 'stageSum', 'total'] as const;
export type FaceStage = (typeof FACE_STAGES)[number];

/** The face part: issue 12's speed target (verify with detection, p50 ≤ 150 ms) and face-api's own pipeline beside ours. */
export interface FaceReport {
  available: boolean;
  reason?: string;
  /** The model directory measured, and whether it is the configured default or a stand-in built for the run. */
  model?: string;
  modelSource?: 'configured' | 'stand-in';
  backend?: string;
  photoSource?: string;
  /** Photos timed (one of each of this many different people), after a warm-up. */
  photos?: number;
  /**
   * Per-photo latency of each stage (ms): decode = loadPhoto (sharp decode +
   * shrink on load); detectTiny / detectSsd = face-api detection alone (boxes, no
   * landmarks; each includes building the input tensor); landmarks = crop + 68-point
   * net on the largest face; align = 5 keypoints + similarity fit + bilinear warp;
   * embed = normalise + encoder forward of one crop; stageSum = decode + tiny
   * (+ SSD when tiny found nothing) + landmarks + align + embed; total = the
   * real path end to end (Embedder.embedImages of one photo: what the server runs per image).
   */
  stages?: Record<FaceStage, LatencySummary | null>;
  /** Photos where the tiny detector found no face (the default stage then runs SSD too). */
  tinyMisses?: number;
  /** Photos where the SSD detector (same score threshold) found no face. */
  ssdMisses?: number;
  /** 1-minute load average when the part started and ended (the part's numbers are only as good as the machine was idle). */
  loadavg?: [number, number];
  /** face-api's own pipeline on the same photos in the same run: decode + detectSingleFace → landmarks → descriptor. */
  faceApi?: { version: string; ssd: LatencySummary | null; tiny: LatencySummary | null; ssdMisses: number; tinyMisses: number };
  /** Our total p50 ÷ face-api's p50 (latency: < 1 means we are faster). */
  ratios: { totalVsFaceApiSsd: number | null; totalVsFaceApiTiny: number | null };
  /** verify(a, b) over HTTP with two photos of one person, concurrency 1. */
  http?: {
    available: boolean;
    reason?: string;
    poolSize?: number;
    requests?: number;
    errors?: number;
    firstError?: string;
    /** Pairs answered match: true (meaningless with the stand-in's placeholder threshold). */
    matches?: number;
    latency?: LatencySummary | null;
  };
  verifyP50Ms: number | null;
  verifyP99Ms: number | null;
  targetP50Ms: number;
  /** verifyP50Ms ≤ targetP50Ms; null when not measured. */
  meetsTarget: boolean | null;
  notes: string[];
}

/** Issue 12: verify with detection, p50 ≤ 150 ms on this CPU. */
export const FACE_VERIFY_TARGET_P50_MS = 150;

export function unavailableFace(reason: string): FaceReport {
  return {
    available: false,
    reason,
    ratios: { totalVsFaceApiSsd: null, totalVsFaceApiTiny: null },
    verifyP50Ms: null,
    verifyP99Ms: null,
    targetP50Ms: FACE_VERIFY_TARGET_P50_MS,
    meetsTarget: null,
    notes: [],
  };
}

/** One summary per stage from the per-photo samples; null for a stage with no sample. */
export function summarizeStages<K extends string>(
  names: readonly K[],
  samples: Partial<Record<K, number[]>>,
): Record<K, LatencySummary | null> {
  const out = {} as Record<K, LatencySummary | null>;
  for (const k of names) {
    const s = samples[k];
    out[k] = s && s.length > 0 ? summarize(s) : null;
  }
  return out;
}

/** Our end-to-end p50 over face-api's p50, for its SSD and tiny pipelines (latency ratios: < 1 = we are faster). */
export function faceRatios(
  total: LatencySummary | null | undefined,
  faceApi: { ssd: LatencySummary | null; tiny: LatencySummary | null } | undefined,
): FaceReport['ratios'] {
  return {
    totalVsFaceApiSsd: ratio(total?.p50Ms, faceApi?.ssd?.p50Ms),
    totalVsFaceApiTiny: ratio(total?.p50Ms, faceApi?.tiny?.p50Ms),
  };
}

/** verify p50/p99 and the target verdict from the HTTP run. */
export function faceVerdict(
  latency: LatencySummary | null | undefined,
  target = FACE_VERIFY_TARGET_P50_MS,
): Pick<FaceReport, 'verifyP50Ms' | 'verifyP99Ms' | 'meetsTarget'> {
  const p50 = latency?.p50Ms ?? null;
  return { verifyP50Ms: p50, verifyP99Ms: latency?.p99Ms ?? null, meetsTarget: p50 == null ? null : p50 <= target };
}

export interface IndexReport {
  /** At 100k (or the largest size run) with the chosen ef. */
  qps: number | null;
  recallAt10: number | null;
  M: number;
  efConstruction: number;
  ef: number | null;
  sizes: IndexSizeResult[];
  /** 100k clustered vectors (an identity gallery stand-in), same parameters. */
  clustered: IndexSizeResult | null;
  /** pgvector's HNSW in PostgreSQL on the uniform sizes (--pgvector URL); null when not run. */
  pgvector?: PgvectorSizeResult[] | null;
  notes: string[];
}

export interface PeakReport {
  backend: string;
  /** Best single-instance matMul GFLOP/s over the measured shapes. */
  singleInstanceGflops: number | null;
  shapes: MatMulResult[];
  instances: { count: number; totalGflops: number | null; note?: string };
}

export interface BenchReport {
  formatVersion: 1;
  startedAt: string;
  wallSec: number;
  machine: { cpus: number; cpuModel: string; node: string; loadavgStart: number[]; loadavgEnd: number[] };
  parts: BenchPart[];
  peakGflops: number | null;
  peak: PeakReport | Skipped | null;
  seed: SeedReport | null;
  default: DefaultReport | null;
  face: FaceReport | null;
  http: HttpReport | null;
  index: IndexReport | null;
  peer: PeerResult | null;
  /** ours / peer; > 1 means we are faster. */
  ratios: {
    seedEmbed: number | null;
    seedEmbedAllCores: number | null;
    seedTrain: number | null;
    seedTrainAllCores: number | null;
    /** Our wasm matMul peak against the peer's OpenBLAS sgemm. */
    peak: number | null;
  };
  notes: string[];
}

export function computeRatios(r: Pick<BenchReport, 'seed' | 'peer' | 'peakGflops'>): BenchReport['ratios'] {
  const peer = r.peer?.available ? r.peer : null;
  return {
    seedEmbed: ratio(r.seed?.embedImagesPerSec, peer?.embedImagesPerSec),
    seedEmbedAllCores: ratio(r.seed?.instances.embedImagesPerSec, peer?.embedImagesPerSec),
    seedTrain: ratio(r.seed?.trainPairsPerSec, peer?.trainPairsPerSec),
    seedTrainAllCores: ratio(r.seed?.instances.trainPairsPerSec, peer?.trainPairsPerSec),
    peak: ratio(r.peakGflops, peer?.sgemmGflops),
  };
}

/** Human-readable table of the report (what `siamese bench` prints without --json). */
export function renderTable(r: BenchReport): string {
  const peer = r.peer?.available ? r.peer : null;
  const f = (x: number | null | undefined, unit = '') => (x == null ? '—' : `${round(x)}${unit}`);
  const x = (q: number | null | undefined) => (q == null ? '—' : `${round(q)}×`);
  const rows: [string, string, string, string][] = [];
  const add = (what: string, ours: string, theirs = '', rat = '') => rows.push([what, ours, theirs, rat]);
  if (r.peak && 'shapes' in r.peak) {
    add('GEMM peak GFLOP/s (1 instance, best shape)', f(r.peakGflops), peer ? `${f(peer.sgemmGflops)} (sgemm)` : '', x(r.ratios.peak));
    add(`GEMM GFLOP/s (${r.peak.instances.count} instances)`, f(r.peak.instances.totalGflops));
  }
  if (r.seed) {
    const s = r.seed;
    add(`seed embed img/s (batch ${s.batch}, 1 instance)`, f(s.embedImagesPerSec), f(peer?.embedImagesPerSec), x(r.ratios.seedEmbed));
    add(`seed embed img/s (${s.instances.count} instances)`, f(s.instances.embedImagesPerSec), '', x(r.ratios.seedEmbedAllCores));
    add('seed train pairs/s (1 instance)', f(s.trainPairsPerSec), f(peer?.trainPairsPerSec), x(r.ratios.seedTrain));
    add(
      `seed train pairs/s (${s.instances.count} data-parallel workers)`,
      f(s.instances.trainPairsPerSec),
      '',
      x(r.ratios.seedTrainAllCores),
    );
    add('seed embed GFLOP/s achieved', f(s.embedGflops), f(peer ? (peer.embedImagesPerSec * s.flopsPerImage) / 1e9 : null));
    add('seed train GFLOP/s achieved', f(s.trainGflops), f(peer ? (peer.trainPairsPerSec * s.flopsPerPair) / 1e9 : null));
    if (s.trainProfile) {
      add(
        `  train step profile (${f(s.trainProfile.wallMs, ' ms')})`,
        s.trainProfile.kernels
          .slice(0, 6)
          .map((k) => `${k.kernel} ${Math.round(100 * k.share)}%`)
          .join(', '),
      );
    }
  }
  if (r.default) {
    add('default model embed img/s (1 instance)', r.default.available ? f(r.default.embedImagesPerSec) : `n/a: ${r.default.reason}`);
    if (r.default.instances) {
      add(
        `default model embed img/s (pool ${r.default.instances.count})`,
        `${f(r.default.instances.embedImagesPerSec)}${r.default.instances.note ? ` (${r.default.instances.note})` : ''}`,
      );
    }
  }
  if (r.face) faceRows(r.face, add);
  if (r.http) {
    if (!r.http.available) add('http', `n/a: ${r.http.reason}`);
    else {
      add('verify p50 / p99 ms (c=1)', `${f(r.http.verifyP50Ms)} / ${f(r.http.verifyP99Ms)}`);
      add('searchSimilar p50 / p99 ms (c=1)', `${f(r.http.searchP50Ms)} / ${f(r.http.searchP99Ms)}`);
      for (const [name, run] of Object.entries(r.http.runs ?? {})) {
        add(`${name} req/s (p50 ms)`, `${f(run.requestsPerSec)} (${f(run.latency?.p50Ms)})${run.errors ? `, ${run.errors} errors` : ''}`);
      }
      add('verify req/s c=16 ÷ c=1', x(r.http.verifyRpsRatio16to1));
    }
  }
  if (r.index) {
    for (const s of [...r.index.sizes, ...(r.index.clustered ? [r.index.clustered] : [])]) {
      add(
        `HNSW ${s.dataset} ${s.n.toLocaleString('en')} × ${s.dimension}-d (M ${s.M}, efC ${s.efConstruction})`,
        `build ${f(s.buildSec, ' s')}, ${f(s.rssBytesPerVector, ' B')}/vec RSS, ${f(s.fileBytesPerVector, ' B')}/vec file`,
      );
      for (const p of s.sweep) {
        add(`  ef ${p.ef}${p.ef === s.chosen.ef ? ' (chosen)' : ''}`, `${f(p.qps)} q/s, recall@10 ${p.recallAt10.toFixed(4)}`);
      }
      add('  exact search', `${f(s.exactQps)} q/s`);
    }
    for (const s of r.index.pgvector ?? []) {
      add(
        `pgvector uniform ${s.n.toLocaleString('en')} × ${s.dimension}-d (M ${s.M}, efC ${s.efConstruction})`,
        `build ${f(s.buildSec, ' s')} (load ${f(s.loadSec, ' s')} + graph ${f(s.graphSec, ' s')}), ${f(s.relationBytesPerVector, ' B')}/vec in PostgreSQL`,
      );
      for (const p of s.sweep) {
        add(`  ef ${p.ef}${p.ef === s.chosen.ef ? ' (chosen)' : ''}`, `${f(p.qps)} q/s, recall@10 ${p.recallAt10.toFixed(4)}`);
      }
    }
  }
  const header: [string, string, string, string] = [
    'measure',
    'siamese (wasm)',
    peer ? `torch ${peer.torchVersion} ×${peer.threads}` : 'peer',
    'ratio',
  ];
  const all = [header, ...rows];
  const widths = [0, 1, 2, 3].map((i) => Math.max(...all.map((row) => row[i].length)));
  const line = (row: string[]) =>
    row
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
  if (!r.peer) out.push('', 'peer: not run (no seed part)');
  else if (!r.peer.available) out.push('', `peer: not available (${r.peer.reason}): our numbers only`);
  const notes = [...r.notes, ...(r.seed?.notes ?? []), ...(r.face?.notes ?? []), ...(r.index?.notes ?? [])];
  if (notes.length) out.push('', ...notes.map((n) => `note: ${n}`));
  out.push(
    '',
    `machine: ${r.machine.cpus} × ${r.machine.cpuModel}, load ${r.machine.loadavgStart.map((l) => l.toFixed(1)).join('/')} → ${r.machine.loadavgEnd.map((l) => l.toFixed(1)).join('/')}, ${r.wallSec.toFixed(0)} s`,
  );
  return out.join('\n');
}

/** The face part's rows: the stage split, our total beside face-api's pipelines, verify over HTTP against the target. */
function faceRows(fr: FaceReport, add: (what: string, ours: string, theirs?: string, rat?: string) => void): void {
  const f = (v: number | null | undefined) => (v == null ? '—' : `${round(v)}`);
  const pp = (s: LatencySummary | null | undefined) => (s ? `${f(s.p50Ms)} / ${f(s.p99Ms)}` : '—');
  const x = (q: number | null | undefined) => (q == null ? '—' : `${round(q)}×`);
  if (!fr.available) {
    add('face', `n/a: ${fr.reason}`);
    return;
  }
  const st = fr.stages;
  const load = fr.loadavg ? `, load ${fr.loadavg.map((l) => l.toFixed(1)).join(' → ')}` : '';
  add('face model', `${fr.model?.split(/[\\/]/).pop() ?? '?'} (${fr.modelSource}), ${fr.photos} LFW photos, ${fr.backend}${load}`);
  add('face decode + shrink p50 / p99 ms', pp(st?.decode));
  add('face detect tiny 320, boxes p50 / p99 ms', `${pp(st?.detectTiny)}${fr.tinyMisses ? ` (${fr.tinyMisses} misses)` : ''}`);
  add('face detect SSD, boxes p50 / p99 ms', `${pp(st?.detectSsd)}${fr.ssdMisses ? ` (${fr.ssdMisses} misses)` : ''}`);
  add('face landmarks 68 p50 / p99 ms', pp(st?.landmarks));
  add('face align (similarity warp) p50 / p99 ms', pp(st?.align));
  add('face embed 1 crop p50 / p99 ms', pp(st?.embed));
  add('face stages summed p50 / p99 ms', pp(st?.stageSum));
  const api = fr.faceApi;
  add(
    'face total per photo p50 / p99 ms',
    pp(st?.total),
    api ? `face-api ${api.version} SSD ${pp(api.ssd)}` : '',
    x(fr.ratios.totalVsFaceApiSsd),
  );
  if (api) add('  (ratio = latency ours ÷ face-api)', '', `face-api tiny 320 ${pp(api.tiny)}`, x(fr.ratios.totalVsFaceApiTiny));
  const h = fr.http;
  if (h && !h.available) add('face verify over HTTP c=1', `n/a: ${h.reason}`, `target p50 ≤ ${fr.targetP50Ms} ms`);
  else if (h) {
    add(
      `face verify over HTTP c=1 (pool ${h.poolSize}) p50 / p99 ms`,
      `${pp(h.latency)}${h.errors ? `, ${h.errors} errors` : ''}`,
      `target p50 ≤ ${fr.targetP50Ms} ms`,
      fr.meetsTarget == null ? '' : fr.meetsTarget ? 'met' : 'missed',
    );
  }
}
