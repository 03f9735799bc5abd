import type { LoadResult } from './load';
import type { MatMulResult } from './matmul.bench';
import type { PeerResult } from './peer';
import type { IndexSizeResult } from './index.bench';
import { ratio, round } from './stats';

/**
 * The one object `siamese bench --json` prints. Keys named in issue 6 are
 * always present (null when the part was not run or not available), so runs
 * can be compared by script.
 */
export type BenchPart = 'seed' | 'default' | 'http' | 'index';
export const BENCH_PARTS: readonly BenchPart[] = ['seed', 'default', 'http', 'index'];

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
    add(`seed train pairs/s (${s.instances.count} data-parallel workers)`, f(s.instances.trainPairsPerSec), '', x(r.ratios.seedTrainAllCores));
    add('seed embed GFLOP/s achieved', f(s.embedGflops), f(peer ? (peer.embedImagesPerSec * s.flopsPerImage) / 1e9 : null));
    add('seed train GFLOP/s achieved', f(s.trainGflops), f(peer ? (peer.trainPairsPerSec * s.flopsPerPair) / 1e9 : null));
    if (s.trainProfile) {
      add(
        `  train step profile (${f(s.trainProfile.wallMs, ' ms')})`,
        s.trainProfile.kernels.slice(0, 6).map((k) => `${k.kernel} ${Math.round(100 * k.share)}%`).join(', '),
      );
    }
  }
  if (r.default) {
    add('default model embed img/s (1 instance)', r.default.available ? f(r.default.embedImagesPerSec) : `n/a: ${r.default.reason}`);
    if (r.default.instances) {
      add(`default model embed img/s (pool ${r.default.instances.count})`, `${f(r.default.instances.embedImagesPerSec)}${r.default.instances.note ? ` (${r.default.instances.note})` : ''}`);
    }
  }
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
  }
  const header: [string, string, string, string] = ['measure', 'siamese (wasm)', peer ? `torch ${peer.torchVersion} ×${peer.threads}` : 'peer', 'ratio'];
  const all = [header, ...rows];
  const widths = [0, 1, 2, 3].map((i) => Math.max(...all.map((row) => row[i].length)));
  const line = (row: string[]) => row.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
  if (!r.peer) out.push('', 'peer: not run (no seed part)');
  else if (!r.peer.available) out.push('', `peer: not available (${r.peer.reason}): our numbers only`);
  const notes = [...r.notes, ...(r.seed?.notes ?? []), ...(r.index?.notes ?? [])];
  if (notes.length) out.push('', ...notes.map((n) => `note: ${n}`));
  out.push('', `machine: ${r.machine.cpus} × ${r.machine.cpuModel}, load ${r.machine.loadavgStart.map((l) => l.toFixed(1)).join('/')} → ${r.machine.loadavgEnd.map((l) => l.toFixed(1)).join('/')}, ${r.wallSec.toFixed(0)} s`);
  return out.join('\n');
}
