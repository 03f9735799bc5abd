import * as os from 'node:os';
import * as path from 'node:path';
import { BENCH_PARTS, type BenchPart } from './report';

/** Options of `siamese bench`, parsed from argv only (the CLI reads no environment). */
export interface BenchOptions {
  parts: BenchPart[];
  json: boolean;
  /** Adds the 1M-vector index size (about 1-2 h for both engines on 2 shared cores). */
  full: boolean;
  /** PostgreSQL URL (pgvector installed): adds pgvector's HNSW beside hnswlib to the index part. */
  pgvector: string | null;
  instances: number;
  peer: { enabled: boolean; python: string; script: string; threads: number };
  /** Backend of the peak and seed parts: wasm (default) or native (src/embedding/native). */
  backend: 'wasm' | 'native';
  help: boolean;
}

export const BENCH_USAGE = `usage: siamese bench [--only seed|default|face|http|index]... [--json] [--full]
                     [--instances N] [--peer-threads N] [--python PATH] [--peer SCRIPT] [--no-peer]

  --only PART     run only these parts (repeatable or comma-separated); default all
                  seed: matMul peak, seed backbone embed/train (wasm) and the PyTorch peer
                  default: embedding speed of the default model (SIAMESE_MODEL, else
                           models/face-resnet29-lfw; n/a when neither exists)
                  face: the face pipeline on 20 LFW photos, stage by stage (decode, tiny and
                        SSD detection, landmarks, alignment, embedding) and end to end, beside
                        face-api's own pipeline (SSD and tiny); verify with detection over HTTP
                        at concurrency 1 against the target p50 <= 150 ms (a stand-in
                        face-resnet29 model is built when the default has no face stage)
                  http: verify/searchSimilar latency over HTTP at concurrency 1 and 16
                  index: HNSW build, memory, queries/s and recall@10 at 10k and 100k vectors
  --json          print one JSON object (progress goes to stderr)
  --full          also run the index at 1M vectors (adds 1-2 h on 2 cores)
  --pgvector URL  index part: also pgvector's HNSW inside this PostgreSQL (a postgresql://
                  URL whose database has the vector extension; a scratch schema is used
                  and dropped), same vectors, M and efConstruction as hnswlib
  --instances N   wasm instances (worker threads) for the all-cores figures, and the HTTP
                  server's embedding pool in the http and face parts (default: CPU count)
  --peer-threads N, --python PATH, --peer SCRIPT
                  how to run ../shared/peers/torch_seed_speed.py (default: 2, /usr/bin/python3)
  --no-peer       skip the peer
  --backend B     backend of the peak and seed parts: wasm (default) or native (the project's
                  C++ kernels, native/; the report names the CPU path: avx512, avx2, portable)`;

export function parseBenchArgs(argv: readonly string[], cwd: string): BenchOptions | { error: string } {
  const o: BenchOptions = {
    parts: [],
    json: false,
    full: false,
    pgvector: null,
    instances: Math.max(1, os.cpus().length),
    peer: {
      enabled: true,
      python: '/usr/bin/python3',
      script: path.resolve(cwd, '../shared/peers/torch_seed_speed.py'),
      threads: 2,
    },
    backend: 'wasm',
    help: false,
  };
  const positiveInt = (flag: string, v: string | undefined): number | { error: string } => {
    const n = Number(v);
    return Number.isInteger(n) && n > 0 ? n : { error: `${flag} needs a positive integer, got '${v ?? ''}'` };
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] =
      arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case '--only': {
        const v = value();
        for (const p of (v ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)) {
          if (!(BENCH_PARTS as readonly string[]).includes(p)) return { error: `unknown part '${p}' (one of ${BENCH_PARTS.join(', ')})` };
          if (!o.parts.includes(p as BenchPart)) o.parts.push(p as BenchPart);
        }
        if (!v) return { error: '--only needs a part name' };
        break;
      }
      case '--json':
        o.json = true;
        break;
      case '--full':
        o.full = true;
        break;
      case '--pgvector': {
        const v = value();
        if (!v || !/^postgres(ql)?:\/\//.test(v)) return { error: `--pgvector needs a postgresql:// URL, got '${v ?? ''}'` };
        o.pgvector = v;
        break;
      }
      case '--no-peer':
        o.peer.enabled = false;
        break;
      case '--instances':
      case '--peer-threads': {
        const n = positiveInt(flag, value());
        if (typeof n !== 'number') return n;
        if (flag === '--instances') o.instances = n;
        else o.peer.threads = n;
        break;
      }
      case '--python':
      case '--peer': {
        const v = value();
        if (!v) return { error: `${flag} needs a path` };
        if (flag === '--python') o.peer.python = v;
        else o.peer.script = path.resolve(cwd, v);
        break;
      }
      case '--backend': {
        const v = value();
        if (v !== 'wasm' && v !== 'native') return { error: `--backend must be wasm or native, got '${v ?? ''}'` };
        o.backend = v;
        break;
      }
      case '--help':
      case '-h':
        o.help = true;
        break;
      default:
        return { error: `unknown option '${arg}'` };
    }
  }
  if (o.parts.length === 0) o.parts = [...BENCH_PARTS];
  // Keep the documented order whatever order --only gave.
  o.parts = BENCH_PARTS.filter((p) => o.parts.includes(p));
  return o;
}
