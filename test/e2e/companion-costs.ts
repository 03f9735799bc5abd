/**
 * What the companion encoder costs (session 49; DESIGN-two-encoders.md "Costs to report"). Not a CI test: run by hand.
 *
 *   node test/retraining/fixtures/ts-run.js test/e2e/companion-costs.ts [OUT.json] [ROUNDS]
 *
 * `siamese serve` (the built dist/, a child process each time, fresh data directory, wasm) with the default signature
 * card alone, with the multi-reference card as its companion embedding in the background (SIAMESE_COMPANION_WARM, the
 * default), and with it left to verifyIdentity (SIAMESE_COMPANION_WARM=false), in an order rotated over ROUNDS rounds
 * (default 2) so that drift on this noisy machine falls on all three. Each server: the time from spawn to its
 * `listening` line and its resident memory then and at the end (VmRSS, VmHWM of /proc); 12 writers enrolled with five
 * genuine signatures each as simulated full-resolution scans (scanScan, as the API measurements use; one per call) and
 * asked verifyIdentity three times with three other genuine scans, in two patterns (measureOnce). Wall times of the HTTP
 * calls as the client sees them. Compare the configurations' medians within one run only.
 */
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Rng } from '../../src/training/samplers/rng';
import {
  CEDAR_DATASET,
  MULTIREF_SIGNATURE_MODEL_DIR,
  ROOT,
  SHIPPED_SIGNATURE_MODEL_DIR,
} from '../training/fixtures/shipped-signature-model';
import { gql } from './http-client';
import { scanScan } from './signature-measure';

const TOKEN = 'companion-costs-admin-token-0123456789';
const WRITERS = ['01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '11', '12'];
const REFERENCES = [1, 2, 3, 4, 5];
const QUESTIONS = [10, 11, 12];
const CREATE = `mutation($name: String!) { createIdentity(name: $name) { id } }`;
const ENROLL = `mutation($id: ID!, $images: [ImageInput!]!) { enrollImages(identityId: $id, images: $images) { id } }`;
const VERIFY_IDENTITY = `query($id: ID!, $image: ImageInput!) { verifyIdentity(identityId: $id, image: $image) { distance encoder } }`;

type Scan = { base64: string };

async function scans(): Promise<Map<string, Scan[]>> {
  const rng = new Rng(4949);
  const out = new Map<string, Scan[]>();
  for (const w of WRITERS) {
    const n = Number(w);
    const files = [...REFERENCES, ...QUESTIONS].map((s) => path.join(CEDAR_DATASET, w, 'genuine', `original_${n}_${s}.png`));
    out.set(w, await Promise.all(files.map(async (f) => ({ base64: (await scanScan(f, rng)).toString('base64') }))));
  }
  return out;
}

function memory(pid: number): { rssMB: number; peakMB: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMB: +(kb('VmRSS') / 1024).toFixed(1), peakMB: +(kb('VmHWM') / 1024).toFixed(1) };
}

async function serve(env: Record<string, string>): Promise<{ child: ChildProcess; url: string; startMs: number; dataDir: string }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'siamese-companion-costs-'));
  const t0 = performance.now();
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/siamese.js'), 'serve'], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      PORT: '0',
      HOST: '127.0.0.1',
      SIAMESE_DATA_DIR: dataDir,
      SIAMESE_ADMIN_TOKEN: TOKEN,
      SIAMESE_BACKEND: 'wasm',
      SIAMESE_LOG_LEVEL: 'info',
      SIAMESE_MODEL: SHIPPED_SIGNATURE_MODEL_DIR,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let buffered = '';
    const onData = (d: Buffer) => {
      buffered += d.toString();
      for (const line of buffered.split('\n')) {
        if (!line.includes('"listening"')) continue;
        child.stdout!.off('data', onData);
        resolve(JSON.parse(line).url);
        return;
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => (buffered += d.toString()));
    child.once('exit', (code) => reject(new Error(`server exited (${code}) before listening:\n${buffered.slice(-2000)}`)));
  });
  return { child, url, startMs: performance.now() - t0, dataDir };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

type Setup = 'alone' | 'companion-warm' | 'companion-lazy';
const SETUPS: Setup[] = ['alone', 'companion-warm', 'companion-lazy'];
const ENV: Record<Setup, Record<string, string>> = {
  alone: {},
  'companion-warm': { SIAMESE_COMPANION_MODEL: MULTIREF_SIGNATURE_MODEL_DIR },
  'companion-lazy': { SIAMESE_COMPANION_MODEL: MULTIREF_SIGNATURE_MODEL_DIR, SIAMESE_COMPANION_WARM: 'false' },
};
/** Pattern "later": how long the client waits after enrolling every writer before the first question. */
const LATER_WAIT_MS = 20_000;

async function enrollFive(url: string, w: string, all: Scan[]): Promise<{ id: string; ms: number }> {
  const id = (await gql(url, CREATE, { name: `writer ${w}` }, { token: TOKEN })).data!.createIdentity.id;
  // One scan per call: five full-resolution scans exceed the default request size (SIAMESE_MAX_REQUEST_BYTES).
  const t = performance.now();
  for (const image of all.slice(0, REFERENCES.length)) {
    const enrolled = await gql(url, ENROLL, { id, images: [image] }, { token: TOKEN });
    if (enrolled.errors) throw new Error(JSON.stringify(enrolled.errors));
  }
  return { id, ms: performance.now() - t };
}

async function askThree(url: string, id: string, all: Scan[]): Promise<Array<{ call: number; ms: number; encoder: string }>> {
  const calls = [];
  for (let q = 0; q < QUESTIONS.length; q++) {
    const t = performance.now();
    const r = await gql(url, VERIFY_IDENTITY, { id, image: all[REFERENCES.length + q] }, { token: TOKEN });
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    calls.push({ call: q + 1, ms: performance.now() - t, encoder: r.data!.verifyIdentity.encoder as string });
  }
  return calls;
}

/**
 * Two client patterns on one server: "at once" (writers 01–06: enrol five, ask three at once, writer after writer) and
 * "later" (writers 07–12: all enrolled first, then LATER_WAIT_MS idle, then asked), the pattern of a service that
 * enrols at onboarding and verifies another day.
 */
async function measureOnce(setup: Setup, byWriter: Map<string, Scan[]>) {
  const { child, url, startMs, dataDir } = await serve(ENV[setup]);
  try {
    const atStart = memory(child.pid!);
    const summarise = (enrollMs: number[], calls: Array<{ call: number; ms: number; encoder: string }>) => {
      const byCall = (n: number) => +median(calls.filter((c) => c.call === n).map((c) => c.ms)).toFixed(1);
      return {
        encoders: [...new Set(calls.map((c) => c.encoder))],
        enrollFiveMedianMs: +median(enrollMs).toFixed(1),
        verifyIdentityMedianMs: { first: byCall(1), second: byCall(2), third: byCall(3) },
      };
    };
    const atOnceEnroll: number[] = [];
    const atOnceCalls = [];
    for (const w of WRITERS.slice(0, 6)) {
      const all = byWriter.get(w)!;
      const { id, ms } = await enrollFive(url, w, all);
      atOnceEnroll.push(ms);
      atOnceCalls.push(...(await askThree(url, id, all)));
    }
    const laterEnroll: number[] = [];
    const ids: string[] = [];
    for (const w of WRITERS.slice(6)) {
      const { id, ms } = await enrollFive(url, w, byWriter.get(w)!);
      laterEnroll.push(ms);
      ids.push(id);
    }
    await new Promise((r) => setTimeout(r, LATER_WAIT_MS));
    const laterCalls = [];
    for (let i = 0; i < ids.length; i++) laterCalls.push(...(await askThree(url, ids[i], byWriter.get(WRITERS[6 + i])!)));
    return {
      setup,
      startMs: +startMs.toFixed(0),
      memoryAtStart: atStart,
      memoryAtEnd: memory(child.pid!),
      atOnce: summarise(atOnceEnroll, atOnceCalls),
      later: summarise(laterEnroll, laterCalls),
    };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function main(args: string[]): Promise<void> {
  const out = args[0] ?? path.join(ROOT, 'docs/experiments/signatures/nearest-writers/companion-costs.json');
  const rounds = Number(args[1] ?? 2);
  const byWriter = await scans();
  const runs: Array<{ round: number } & Awaited<ReturnType<typeof measureOnce>>> = [];
  for (let r = 0; r < rounds; r++) {
    // Rotate which goes first, so a warming page cache does not favour one configuration.
    const order = SETUPS.map((_, i) => SETUPS[(i + r) % SETUPS.length]);
    for (const setup of order) {
      process.stderr.write(`round ${r + 1}/${rounds}: ${setup}…\n`);
      runs.push({ round: r + 1, ...(await measureOnce(setup, byWriter)) });
    }
  }
  const summary = (setup: Setup) => {
    const mine = runs.filter((x) => x.setup === setup);
    const pattern = (p: 'atOnce' | 'later') => ({
      enrollFiveMs: median(mine.map((x) => x[p].enrollFiveMedianMs)),
      verifyIdentityFirstMs: median(mine.map((x) => x[p].verifyIdentityMedianMs.first)),
      verifyIdentityLaterMs: median(mine.flatMap((x) => [x[p].verifyIdentityMedianMs.second, x[p].verifyIdentityMedianMs.third])),
    });
    return {
      startMs: median(mine.map((x) => x.startMs)),
      rssAtStartMB: median(mine.map((x) => x.memoryAtStart.rssMB)),
      peakAtEndMB: median(mine.map((x) => x.memoryAtEnd.peakMB)),
      atOnce: pattern('atOnce'),
      later: pattern('later'),
    };
  };
  const result = {
    command: 'node test/retraining/fixtures/ts-run.js test/e2e/companion-costs.ts',
    machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`,
    writers: WRITERS,
    references: REFERENCES.length,
    questionsPerWriter: QUESTIONS.length,
    laterWaitMs: LATER_WAIT_MS,
    runs,
    medians: Object.fromEntries(SETUPS.map((s) => [s, summary(s)])),
  };
  fs.writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  process.stderr.write(`${JSON.stringify(result.medians, null, 2)}\nwrote ${out}\n`);
}
