import * as fs from 'fs';
import * as http from 'http';
import type { RunningServer } from '../../src/main';
import { tinyModelOnce } from '../fixtures/tiny-model-once';
import { syntheticImage } from '../fixtures/synthetic-images';
import { codes, gql } from '../e2e/http-client';
import { startTestServer, tempDir } from '../e2e/harness';

/**
 * Issue 13 (round 2), over real HTTP with the tiny model:
 *
 * - While the decode queue is saturated, a POST /graphql whose body is over
 *   SIAMESE_SHED_REQUEST_BYTES (or of unknown length) is answered 503 SERVER_BUSY +
 *   Retry-After at once, without its body being read (the answer comes while the client has
 *   sent only its first kilobyte; a body that is not even JSON is not parsed), and the
 *   connection stays usable afterwards.
 * - A SERVER_BUSY thrown by the service (small request, queue full) is HTTP 503 with
 *   Retry-After, not 200.
 *
 * The queue is held full by an allowed nested-<use> SVG (seconds of librsvg work) plus one
 * queued PNG; the test waits on /healthz's counters, never on a clock.
 */
jest.setTimeout(120_000);

const SEARCH = `query($image: ImageInput!) { searchSimilar(image: $image, k: 1) { distance } }`;
const XLINK = 'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"';
const SHED_BYTES = 64 * 1024;
const MAX_REQUEST_BYTES = 512 * 1024;

function nestedUseSvg(levels: number, fan = 10): Buffer {
  let s = `<svg ${XLINK} width="256" height="256"><defs><rect id="l0" width="1" height="1" fill="#000"/>`;
  for (let i = 1; i <= levels; i++) {
    s += `<g id="l${i}">`;
    for (let j = 0; j < fan; j++) s += `<use xlink:href="#l${i - 1}" x="${j}" y="${j}"/>`;
    s += '</g>';
  }
  return Buffer.from(`${s}</defs><use xlink:href="#l${levels}"/></svg>`);
}

interface QueueFacts {
  runningJobs: number;
  queuedJobs: number;
  saturated: boolean;
  shed: number;
}

async function queue(url: string): Promise<QueueFacts> {
  const res = await fetch(url.replace(/\/graphql$/, '/healthz'));
  expect(res.status).toBe(200);
  return ((await res.json()) as { decodeQueue: QueueFacts }).decodeQueue;
}

async function until(url: string, what: string, ok: (q: QueueFacts) => boolean): Promise<QueueFacts> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const q = await queue(url);
    if (ok(q)) return q;
    if (Date.now() > deadline) throw new Error(`/healthz never showed ${what}: ${JSON.stringify(q)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: { errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
  /** Bytes of the body the client had written when the answer's head arrived. */
  sentWhenAnswered: number;
}

/**
 * A POST whose body is written slowly: `first` bytes, then the rest only after the answer
 * arrives (or never, with `finish: false`). `length`: the declared Content-Length (undefined: chunked).
 */
function slowPost(
  url: string,
  agent: http.Agent,
  body: Buffer,
  opts: { length?: number; first: number; finish: boolean },
): Promise<RawAnswer> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    let sent = 0;
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', ...(opts.length !== undefined ? { 'content-length': String(opts.length) } : {}) },
      },
      (res) => {
        const sentWhenAnswered = sent;
        if (opts.finish) {
          req.end(body.subarray(sent));
          sent = body.length;
        }
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(text), sentWhenAnswered }));
      },
    );
    req.on('error', reject);
    // "Did not hang" bound only: a server that waits for the unfinished body never answers.
    req.setTimeout(15_000, () => req.destroy(new Error(`no answer within 15 s while ${sent} of ${body.length} body bytes were sent`)));
    req.write(body.subarray(0, opts.first));
    sent = opts.first;
  });
}

/** A GET /healthz on `agent` (one socket): answers only if the previous request left the connection usable. */
function healthzOn(url: string, agent: http.Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(url.replace(/\/graphql$/, '/healthz'), { agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      })
      .on('error', reject);
  });
}

describe('issue 13 round 2: the door sheds large bodies while the decode queue is saturated', () => {
  let dataDir: string;
  let server: RunningServer;
  let url: string;
  afterAll(async () => {
    await server?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('503 SERVER_BUSY + Retry-After unread, connection reusable; small requests reach the queue and get 503 too', async () => {
    dataDir = tempDir('siamese-busy-door-');
    const model = await tinyModelOnce();
    server = await startTestServer({
      dataDir,
      modelDir: model.modelDir,
      env: {
        SIAMESE_ALLOW_SVG: 'true',
        SIAMESE_DECODE_BUDGET_MP: '1',
        SIAMESE_DECODE_QUEUE_MP: '1',
        SIAMESE_DECODE_QUEUE_TIMEOUT_MS: '60000',
        SIAMESE_DECODE_TIMEOUT_MS: '0',
        SIAMESE_SHED_REQUEST_BYTES: String(SHED_BYTES),
        SIAMESE_MAX_REQUEST_BYTES: String(MAX_REQUEST_BYTES),
      },
    });
    url = server.url;
    const png = await syntheticImage(4, 0);
    // A large body: valid JSON, an image padded past the shed threshold (never decoded: it is refused first).
    const big = Buffer.from(
      JSON.stringify({ query: SEARCH, variables: { image: { base64: png.toString('base64') + 'A'.repeat(200 * 1024) } } }),
    );
    expect(big.length).toBeGreaterThan(SHED_BYTES);
    expect(big.length).toBeLessThan(MAX_REQUEST_BYTES);
    expect((await queue(url)).saturated).toBe(false);

    // Saturate: the SVG runs (the whole 1 MP budget), one PNG waits (the whole 1 MP queue).
    const slow = gql(url, SEARCH, { image: { base64: nestedUseSvg(6).toString('base64') } });
    await until(url, 'the SVG running', (q) => q.runningJobs === 1);
    const queued = gql(url, SEARCH, { image: { base64: png.toString('base64') } });
    const saturated = await until(url, 'the queue saturated', (q) => q.queuedJobs === 1);
    expect(saturated.saturated).toBe(true);

    // 1. A large body is answered while the client has sent only 1 KiB of it: nothing waited for (or read) the rest.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const shed = await slowPost(url, agent, big, { length: big.length, first: 1024, finish: true });
      expect(shed.sentWhenAnswered).toBe(1024);
      expect(shed.status).toBe(503);
      expect(Number(shed.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(shed.headers.connection).not.toBe('close');
      expect(shed.body.errors).toHaveLength(1);
      expect(shed.body.errors![0].extensions).toMatchObject({ code: 'SERVER_BUSY', retryAfterMs: expect.any(Number) });
      // ... and the same keep-alive socket serves the next request (the rest of the body was drained).
      expect(await healthzOn(url, agent)).toBe(200);

      // 2. A large body that is not even JSON: refused as busy, so it was never parsed (else: 400 "not valid JSON").
      const notJson = Buffer.alloc(SHED_BYTES + 1, '{');
      const garbage = await slowPost(url, agent, notJson, { length: notJson.length, first: notJson.length, finish: true });
      expect([garbage.status, garbage.body.errors![0].extensions!.code]).toEqual([503, 'SERVER_BUSY']);

      // 3. Unknown length (chunked): shed too, and the connection still serves the next request.
      const chunked = await slowPost(url, agent, big, { first: 1024, finish: true });
      expect([chunked.status, chunked.body.errors![0].extensions!.code]).toEqual([503, 'SERVER_BUSY']);
      expect(await healthzOn(url, agent)).toBe(200);
    } finally {
      agent.destroy();
    }

    // 4. Declared over the drain limit (SIAMESE_MAX_REQUEST_BYTES): answered with Connection: close, no 1 MB drained.
    const huge = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const r = await slowPost(url, huge, big, { length: 2 * MAX_REQUEST_BYTES, first: 1024, finish: false });
      expect([r.status, r.headers.connection, r.body.errors![0].extensions!.code]).toEqual([503, 'close', 'SERVER_BUSY']);
    } finally {
      huge.destroy();
    }

    // 5. A small request passes the door; the queue refuses it: SERVER_BUSY from the service is HTTP 503 with Retry-After.
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: SEARCH, variables: { image: { base64: png.toString('base64') } } }),
    });
    const body = (await res.json()) as { data: unknown; errors: Array<{ extensions: { code: string; retryAfterMs: number } }> };
    expect(res.status).toBe(503);
    expect(Number(res.headers.get('retry-after'))).toBe(Math.max(1, Math.ceil(body.errors[0].extensions.retryAfterMs / 1000)));
    expect(body.data).toBeNull();
    expect(body.errors.map((e) => e.extensions.code)).toEqual(['SERVER_BUSY']);
    // Only the small request reached the queue: the four large ones were shed at the door.
    expect((await queue(url)).shed).toBe(1);

    // 6. Once the SVG and the queued PNG are done, the queue is not saturated and a large body is served as usual
    // (here: the padded base64 is decoded and refused as an image, i.e. the body was read and parsed).
    expect(codes(await slow).filter((c) => c === 'SERVER_BUSY')).toEqual([]);
    expect((await queued).errors).toBeUndefined();
    await until(url, 'idle', (q) => q.runningJobs === 0 && q.queuedJobs === 0 && !q.saturated);
    const after = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
    const afterBody = (await after.json()) as { errors?: Array<{ extensions: { code: string } }> };
    expect(afterBody.errors?.[0]?.extensions.code).not.toBe('SERVER_BUSY');
    expect(after.status).toBeLessThan(500);
  });
});
