import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';

/**
 * The load test of issue 13 item 4 ("CPU-heavy images stall everyone"), reusable:
 *
 *   node test/retraining/fixtures/ts-run.js scripts/load-heavy-images.ts [--root DIR] [--seconds 40] [--concurrency 32] [--model NAME] [--honour-retry] [--cpu-prof DIR] [--lfw DIR]
 *
 * Starts the server of the code tree at --root (default: this checkout; pass
 * /tmp/base for "before") in its own process with the default shipped model
 * (models/face-resnet29-lfw: face stage, SIAMESE_EMBEDDING_POOL_SIZE=auto),
 * NODE_ENV=production and otherwise default settings, then for --seconds runs:
 *
 * - `concurrency` anonymous clients in a closed loop, each sending searchSimilar(k: 100)
 *   of a 4096×4096 progressive JPEG (an upscaled LFW face with sensor-like noise), base64 in JSON,
 *   sending the next request as soon as the last is answered (no back-off: the worst case), or,
 *   with --honour-retry, first waiting the refusal's retryAfterMs / retryAfterSeconds (at most 5 s; not counted as latency);
 * - one ordinary client sending verify of two 250×250 LFW photos, one after the other;
 * - a /healthz probe every 250 ms, twice: in this process (its timings include this process's own
 *   event-loop delays under 33 clients) and in a process of its own (the server's latency alone).
 *
 * Prints latency percentiles per kind, the answers' codes with their HTTP status
 * (`SERVER_BUSY/503@door`: refused before the body was read, src/server/shed-when-busy.ts;
 * `@queue`: refused by the decode queue after parsing), the server's RSS (from /proc: at
 * start, peak VmHWM, at end) and the machine's load average before and after. Latencies
 * include refusals (SERVER_BUSY answers are what the client waited for). Request bodies are
 * serialised once, so the clients' own CPU use stays small beside the server's.
 *
 * --cpu-prof DIR: the server runs under `node --cpu-prof`, is stopped with SIGTERM after the
 * load (the profile is written on exit), and the functions with the most self time are printed.
 * Exit code 0 unless the server failed to start.
 */
interface Sample {
  ms: number;
  code: string;
}

const VERIFY = `query($a: ImageInput!, $b: ImageInput!) { verify(a: $a, b: $b) { match distance } }`;
const SEARCH = `query($i: ImageInput!) { searchSimilar(image: $i, k: 100) { distance match } }`;

export async function main(argv: string[]): Promise<number> {
  const arg = (name: string, fallback: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : fallback;
  };
  const root = path.resolve(arg('root', path.join(__dirname, '..')));
  const seconds = Number(arg('seconds', '40'));
  const concurrency = Number(arg('concurrency', '32'));
  const modelDir = path.join(root, 'models', arg('model', 'face-resnet29-lfw'));
  const honourRetry = argv.includes('--honour-retry');
  const LFW = arg('lfw', '/work/shared/datasets/lfw-devtrain');
  const cpuProfDir = argv.includes('--cpu-prof') ? path.resolve(arg('cpu-prof', 'cpu-profiles')) : undefined;

  const faces = ['Sandy_Smith/Sandy_Smith_0001.jpg', 'Aaron_Eckhart/Aaron_Eckhart_0001.jpg']
    .map((f) => path.join(LFW, f))
    .filter((f) => fs.existsSync(f));
  if (faces.length === 0) faces.push(...firstJpegs(LFW, 2));
  const heavy = await heavyJpeg(faces[0]);
  const small = faces.map((f) => fs.readFileSync(f).toString('base64'));
  console.log(
    `heavy image: 4096×4096 progressive JPEG, ${(heavy.length / 2 ** 20).toFixed(2)} MiB (${((heavy.length * 4) / 3 / 2 ** 20).toFixed(2)} MiB base64)`,
  );
  const heavyB64 = heavy.toString('base64');

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'siamese-heavy-load-'));
  console.log(`load average before: ${fs.readFileSync('/proc/loadavg', 'utf8').trim()}`);
  const { child, url } = await startServer(root, cpuProfDir, {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: '0',
    SIAMESE_DATA_DIR: dataDir,
    SIAMESE_MODEL: modelDir,
    SIAMESE_MODELS_DIR: path.join(dataDir, 'no-models'),
    SIAMESE_ADMIN_TOKEN: 'heavy-load-admin-token-0123456789',
    SIAMESE_LOG_LEVEL: 'error',
    SIAMESE_EMBEDDING_POOL_SIZE: 'auto',
  });
  const healthzUrl = url.replace(/\/graphql$/, '/healthz');
  try {
    console.log(`server: ${root} (pid ${child.pid}), model ${modelDir}, ${os.cpus().length} cores`);
    // Warm-up: every worker loads its detector on first use.
    for (let i = 0; i < 4; i++) await post(url, VERIFY, { a: { base64: small[0] }, b: { base64: small[small.length - 1] } });
    const rssStart = procRss(child.pid!);

    const heavySamples: Sample[] = [];
    const verifySamples: Sample[] = [];
    const healthSamples: Sample[] = [];
    const decodeQueue: unknown[] = [];
    const deadline = Date.now() + seconds * 1000;

    const heavyBody = JSON.stringify({ query: SEARCH, variables: { i: { base64: heavyB64 } } });
    const heavyClient = async () => {
      while (Date.now() < deadline) {
        let retry = 0;
        heavySamples.push(
          await timed(async () => {
            const answer = await postBody(url, heavyBody);
            retry = answer.retryAfterMs;
            return answer.code;
          }),
        );
        if (honourRetry && retry > 0) await new Promise((r) => setTimeout(r, Math.min(5000, retry)));
      }
    };
    const verifyBody = JSON.stringify({ query: VERIFY, variables: { a: { base64: small[0] }, b: { base64: small[small.length - 1] } } });
    const verifyClient = async () => {
      while (Date.now() < deadline) verifySamples.push(await timed(async () => (await postBody(url, verifyBody)).code));
    };
    const healthProbe = async () => {
      while (Date.now() < deadline) {
        const s = await timed(async () => {
          const res = await fetch(healthzUrl);
          const body = (await res.json()) as { decodeQueue?: unknown };
          if (body.decodeQueue) decodeQueue.push(body.decodeQueue);
          return res.ok ? 'ok' : `HTTP ${res.status}`;
        });
        healthSamples.push(s);
        await new Promise((r) => setTimeout(r, 250));
      }
    };
    const t0 = Date.now();
    const separateProbe = healthzProbeProcess(healthzUrl, deadline);
    await Promise.all([...Array.from({ length: concurrency }, heavyClient), verifyClient(), healthProbe()]);
    const separateSamples = await separateProbe;
    const wall = (Date.now() - t0) / 1000;
    const rssEnd = procRss(child.pid!);

    console.log(
      `\nload: ${wall.toFixed(1)} s, ${concurrency} heavy clients${honourRetry ? ' (honouring retry hints)' : ''} + 1 verify client + /healthz every 250 ms`,
    );
    for (const [name, samples] of [
      ['heavy searchSimilar (4096² JPEG, k=100)', heavySamples],
      ['ordinary verify (two 250×250 photos)', verifySamples],
      ['/healthz (probe in the load process)', healthSamples],
      ['/healthz (probe in its own process)', separateSamples],
    ] as const) {
      console.log(`${name}: ${summary(samples)}`);
    }
    const mib = (kb: number) => `${(kb / 1024).toFixed(0)} MiB`;
    console.log(
      `server RSS: start ${mib(rssStart.rssKb)}, end ${mib(rssEnd.rssKb)}, peak (VmHWM, whole run incl. start-up) ${mib(rssEnd.hwmKb)}`,
    );
    if (decodeQueue.length > 0) console.log(`last /healthz decodeQueue: ${JSON.stringify(decodeQueue[decodeQueue.length - 1])}`);
    console.log(`load average after: ${fs.readFileSync('/proc/loadavg', 'utf8').trim()}`);
    if (cpuProfDir) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 60_000))]);
      printProfileTop(cpuProfDir, root);
    }
    return 0;
  } finally {
    child.kill('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

/** The newest .cpuprofile in `dir`: self time per function (samples × interval), the top 20, and totals per file group. */
function printProfileTop(dir: string, root: string): void {
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => path.join(dir, f));
  if (files.length === 0) return console.log(`no .cpuprofile in ${dir} (the server did not exit cleanly)`);
  // CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile: the main thread is thread 0 (workers write their own).
  const file = files.find((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f)) ?? files[0];
  const prof = JSON.parse(fs.readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  prof.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const label = (n: ProfileNode) => {
    const where = n.callFrame.url.replace(`file://${root}/`, '').replace(/^.*node_modules\//, 'node_modules/');
    return `${n.callFrame.functionName || '(anonymous)'} ${where ? `${where}:${n.callFrame.lineNumber + 1}` : ''}`.trim();
  };
  const byLabel = new Map<string, number>();
  for (const [id, us] of self) {
    const n = byId.get(id)!;
    byLabel.set(label(n), (byLabel.get(label(n)) ?? 0) + us);
  }
  const pct = (us: number) => `${((100 * us) / total).toFixed(1)} %`;
  console.log(`\nCPU profile ${path.basename(file)} (main thread): ${(total / 1e6).toFixed(1)} s sampled`);
  for (const [l, us] of [...byLabel].sort((a, b) => b[1] - a[1]).slice(0, 20))
    console.log(`  ${pct(us).padStart(7)}  ${(us / 1e3).toFixed(0).padStart(7)} ms  ${l}`);
}

/** /healthz every 250 ms from a separate Node process until `deadline`; its samples as JSON on stdout. */
function healthzProbeProcess(healthzUrl: string, deadline: number): Promise<Sample[]> {
  const code = `
    const [url, deadline] = [process.argv[1], Number(process.argv[2])];
    const samples = [];
    (async () => {
      while (Date.now() < deadline) {
        const t = performance.now();
        let code;
        try { const r = await fetch(url); await r.arrayBuffer(); code = r.ok ? 'ok' : 'HTTP ' + r.status; } catch (e) { code = 'network: ' + e.message; }
        samples.push({ ms: performance.now() - t, code });
        await new Promise((r) => setTimeout(r, 250));
      }
      process.stdout.write(JSON.stringify(samples));
    })();`;
  const child = spawn(process.execPath, ['-e', code, healthzUrl, String(deadline)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  return new Promise((resolve) => child.once('exit', () => resolve(out ? (JSON.parse(out) as Sample[]) : [])));
}

async function post(url: string, query: string, variables: Record<string, unknown>): Promise<string> {
  return (await postBody(url, JSON.stringify({ query, variables }))).code;
}

/**
 * The answer's first error code with its HTTP status ('ok' without errors) and its retry hint in ms
 * (0 without one). SERVER_BUSY is tagged @door when the door refused the body unread, else @queue.
 */
async function postBody(url: string, body: string): Promise<{ code: string; retryAfterMs: number }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const text = await res.text();
  try {
    const parsed = JSON.parse(text) as {
      errors?: Array<{ message?: string; extensions?: { code?: string; retryAfterMs?: number; retryAfterSeconds?: number } }>;
    };
    const first = parsed.errors?.[0];
    const ext = first?.extensions;
    const retryAfterMs = ext?.retryAfterMs ?? (ext?.retryAfterSeconds ? ext.retryAfterSeconds * 1000 : 0);
    if (parsed.errors?.length) {
      const where =
        ext?.code === 'SERVER_BUSY' ? (/a request body over \d+ bytes is refused/.test(first?.message ?? '') ? '@door' : '@queue') : '';
      return { code: `${ext?.code ?? 'no code'}/${res.status}${where}`, retryAfterMs };
    }
  } catch {
    return { code: `HTTP ${res.status} (not JSON)`, retryAfterMs: 0 };
  }
  return { code: res.ok ? 'ok' : `HTTP ${res.status}`, retryAfterMs: 0 };
}

async function timed(f: () => Promise<string>): Promise<Sample> {
  const t = performance.now();
  let code: string;
  try {
    code = await f();
  } catch (e) {
    code = `network: ${(e as Error).message}`;
  }
  return { ms: performance.now() - t, code };
}

function summary(samples: Sample[]): string {
  if (samples.length === 0) return 'no answer within the run';
  const ms = samples.map((s) => s.ms).sort((a, b) => a - b);
  const pct = (p: number) => ms[Math.min(ms.length - 1, Math.max(0, Math.ceil((p / 100) * ms.length) - 1))];
  const codes = new Map<string, number>();
  for (const s of samples) codes.set(s.code, (codes.get(s.code) ?? 0) + 1);
  const okMs = samples
    .filter((s) => s.code === 'ok')
    .map((s) => s.ms)
    .sort((a, b) => a - b);
  const okP99 = okMs.length ? okMs[Math.min(okMs.length - 1, Math.ceil(0.99 * okMs.length) - 1)] : NaN;
  const f = (x: number) => (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(0)} ms`);
  return (
    `n=${samples.length}, p50 ${f(pct(50))}, p99 ${f(pct(99))}, max ${f(ms[ms.length - 1])}` +
    `${okMs.length ? `; ok-only p99 ${f(okP99)}` : ''}; answers ${[...codes].map(([c, n]) => `${c}×${n}`).join(', ')}`
  );
}

function procRss(pid: number): { rssKb: number; hwmKb: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
  return { rssKb: kb('VmRSS'), hwmKb: kb('VmHWM') };
}

/** 4096² progressive JPEG of a face: the photo upscaled, with ±12 of deterministic noise so it compresses like a camera's. */
async function heavyJpeg(face: string): Promise<Buffer> {
  const px = await sharp(face).resize(4096, 4096, { kernel: 'cubic' }).removeAlpha().raw().toBuffer();
  let s = 12345;
  for (let i = 0; i < px.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const v = px[i] + ((s >>> 24) % 25) - 12;
    px[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
  return sharp(px, { raw: { width: 4096, height: 4096, channels: 3 } })
    .jpeg({ quality: 90, progressive: true })
    .toBuffer();
}

function firstJpegs(dir: string, n: number): string[] {
  const out: string[] = [];
  for (const person of fs.readdirSync(dir)) {
    for (const f of fs.readdirSync(path.join(dir, person))) if (f.endsWith('.jpg') && out.length < n) out.push(path.join(dir, person, f));
    if (out.length >= n) break;
  }
  return out;
}

/** The server of `root` in its own process (its transpile-on-load fixture), resolved on "listening <url>". */
function startServer(
  root: string,
  cpuProfDir: string | undefined,
  env: Record<string, string>,
): Promise<{ child: ChildProcess; url: string }> {
  const fixture = path.join(root, 'test', 'retraining', 'fixtures', 'server.child.js');
  const nodeArgs: string[] = [];
  if (cpuProfDir) {
    // The profile is written when the process exits normally: turn SIGTERM into an exit.
    fs.mkdirSync(cpuProfDir, { recursive: true });
    const onTerm = path.join(cpuProfDir, 'exit-on-sigterm.js');
    fs.writeFileSync(onTerm, "process.on('SIGTERM', () => process.exit(0));\n");
    nodeArgs.push('--cpu-prof', '--cpu-prof-dir', cpuProfDir, '--require', onTerm);
  }
  const child = spawn(process.execPath, [...nodeArgs, fixture, JSON.stringify(env)], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => (err = (err + d).slice(-4000)));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening (\S+)/.exec(out);
      if (m) resolve({ child, url: m[1] });
    });
    child.once('exit', (code, signal) => reject(new Error(`server exited (${code ?? signal}) before listening: ${err}`)));
  });
}
