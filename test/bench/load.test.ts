import { runLoad } from '../../src/bench/load';

const tick = () => new Promise<void>((r) => setImmediate(r));

test('sends every request once and never exceeds the concurrency', async () => {
  let inFlight = 0;
  let peak = 0;
  const seen: number[] = [];
  const r = await runLoad(
    async (i) => {
      seen.push(i);
      inFlight++;
      peak = Math.max(peak, inFlight);
      await tick();
      inFlight--;
    },
    4,
    25,
  );
  expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, i) => i));
  expect(peak).toBe(4);
  expect(r).toMatchObject({ concurrency: 4, requests: 25, errors: 0 });
  expect(r.latency?.count).toBe(25);
  expect(r.requestsPerSec).toBeGreaterThan(0);
});

test('failed requests are counted, not timed, and the first error is kept', async () => {
  const r = await runLoad(
    async (i) => {
      await tick();
      if (i % 5 === 0) throw new Error(`boom ${i}`);
    },
    3,
    20,
  );
  expect(r.errors).toBe(4); // 0, 5, 10, 15
  expect(r.latency?.count).toBe(16);
  expect(r.firstError).toBe('boom 0');
});

test('all requests failing gives no latency summary', async () => {
  const r = await runLoad(() => Promise.reject(new Error('down')), 2, 3);
  expect(r.latency).toBeNull();
  expect(r.errors).toBe(3);
});

test('concurrency must be a positive integer', async () => {
  await expect(runLoad(async () => undefined, 0, 1)).rejects.toThrow(RangeError);
});
