import * as http from 'http';
import type { AddressInfo } from 'net';
import express from 'express';
import { shedLargeBodiesWhenBusy, type DecodeLoad } from '../../src/server/shed-when-busy';

/**
 * The door's rule by itself (issue 13, round 2), on a real HTTP server with a hand-held load:
 * large bodies are refused unread while the queue is saturated, or while as many large bodies
 * as the queue holds heavy jobs are already in flight; small ones and GETs always pass.
 */
describe('shedLargeBodiesWhenBusy', () => {
  let server: http.Server;
  let port: number;
  let load: DecodeLoad;
  const held: Array<() => void> = [];
  let reached = 0;

  beforeAll(async () => {
    const app = express();
    app.use(shedLargeBodiesWhenBusy({ maxBytes: 1000, load: () => load, drainLimitBytes: 100_000 }));
    // The "GraphQL" behind the door: reads the whole body, then answers when the test lets it.
    app.post('/', express.text({ type: '*/*', limit: 100_000 }), (req, res) => {
      reached++;
      held.push(() => res.json({ bytes: String(req.body).length }));
    });
    app.get('/', (_req, res) => res.json({ ok: true }));
    server = http.createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  beforeEach(() => {
    load = { saturated: false, retryAfterMs: 2500, heavyJobSlots: 2 };
    reached = 0;
  });

  const post = (bytes: number) => fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: 'x'.repeat(bytes) });
  const until = async (ok: () => boolean) => {
    while (!ok()) await new Promise((r) => setTimeout(r, 5));
  };

  test('saturated: a large body gets 503 SERVER_BUSY + Retry-After; a small one and a GET pass', async () => {
    load.saturated = true;
    const big = await post(5000);
    expect(big.status).toBe(503);
    expect(big.headers.get('retry-after')).toBe('3'); // 2500 ms, rounded up
    expect(await big.json()).toEqual({
      errors: [
        {
          message: expect.stringMatching(/busy decoding images.*over 1000 bytes/),
          extensions: { code: 'SERVER_BUSY', retryAfterMs: 2500 },
        },
      ],
    });
    const small = post(1000);
    await until(() => held.length === 1);
    held.shift()!();
    expect(await (await small).json()).toEqual({ bytes: 1000 });
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(200);
    expect(reached).toBe(1);
  });

  test('not saturated: at most heavyJobSlots large bodies in flight; the next one is shed, and room comes back when one ends', async () => {
    const a = post(5000);
    const b = post(5000);
    await until(() => held.length === 2);
    const c = await post(5000);
    expect(c.status).toBe(503);
    // Small bodies do not count and are not counted.
    const small = post(10);
    await until(() => held.length === 3);
    held.pop()!();
    await small;
    // One large answer ends: one more large body is let in.
    held.shift()!();
    expect((await a).status).toBe(200);
    const d = post(5000);
    await until(() => held.length === 2);
    for (const release of held.splice(0)) release();
    expect([(await b).status, (await d).status]).toEqual([200, 200]);
    expect(reached).toBe(4);
  });

  test('a client that gives up frees its place', async () => {
    load.heavyJobSlots = 1;
    const gaveUp = new AbortController();
    const first = fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: 'x'.repeat(5000), signal: gaveUp.signal }).catch(
      () => 'aborted',
    );
    await until(() => held.length === 1);
    expect((await post(5000)).status).toBe(503);
    gaveUp.abort();
    expect(await first).toBe('aborted');
    held.splice(0); // its response will never be written
    // The server learns of the abort when the socket closes (asynchronously): until then the door still counts it.
    let next: Response;
    for (;;) {
      const attempt = post(5000);
      const shedOrHeld = await Promise.race([
        attempt.then((r) => (r.status === 503 ? 'shed' : 'answered')),
        until(() => held.length === 1).then(() => 'held'),
      ]);
      if (shedOrHeld === 'held') {
        held.shift()!();
        next = await attempt;
        break;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(next.status).toBe(200);
  });
});
