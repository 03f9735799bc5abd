import { DecodeAdmission } from '../../src/services/decode-admission';
import { DomainError, ErrorCode } from '../../src/errors';

/**
 * The image-job budget (issue 13): shedding when full, order by size class,
 * units returned on every outcome. Jobs are promises the test resolves by hand,
 * so nothing depends on timing except the explicit wait-timeout case (generous bounds).
 */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

const flush = () => new Promise<void>((r) => setImmediate(r));

async function codeOf(p: Promise<unknown>): Promise<{ code: string; details: Record<string, unknown> }> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(DomainError);
    return { code: (e as DomainError).code, details: (e as DomainError).details };
  }
  throw new Error('expected a refusal');
}

describe('DecodeAdmission', () => {
  test('runs up to capacity at once, queues the rest, and sheds with SERVER_BUSY once the queue is full', async () => {
    const admission = new DecodeAdmission({ capacity: 2, maxQueued: 2, maxWaitMs: 60_000, jobTimeoutMs: 0 });
    const g = gate();
    const started: string[] = [];
    const job = (name: string) => () => {
      started.push(name);
      return g.promise.then(() => name);
    };
    const a = admission.run(1, job('a'));
    const b = admission.run(1, job('b'));
    const c = admission.run(1, job('c'));
    const d = admission.run(1, job('d'));
    await flush();
    expect(started.sort()).toEqual(['a', 'b']);
    expect(admission.stats()).toMatchObject({ runningJobs: 2, runningUnits: 2, queuedJobs: 2, queuedUnits: 2, shed: 0 });

    // Queue full (2 units waiting): the fifth job is refused at once, without running.
    const refused = await codeOf(admission.run(1, job('e')));
    expect(refused.code).toBe(ErrorCode.SERVER_BUSY);
    expect(typeof refused.details.retryAfterMs).toBe('number');
    expect(refused.details.retryAfterMs as number).toBeGreaterThan(0);
    expect(started).not.toContain('e');
    expect(admission.stats().shed).toBe(1);

    g.open();
    expect(await Promise.all([a, b, c, d])).toEqual(['a', 'b', 'c', 'd']);
    expect(admission.stats()).toMatchObject({ runningJobs: 0, runningUnits: 0, queuedJobs: 0, queuedUnits: 0 });
  });

  test('a job that waits longer than maxWaitMs is refused with SERVER_BUSY and never runs', async () => {
    const admission = new DecodeAdmission({ capacity: 1, maxQueued: 10, maxWaitMs: 50, jobTimeoutMs: 0 });
    const g = gate();
    const first = admission.run(1, () => g.promise);
    let ran = false;
    const waiting = admission.run(1, async () => {
      ran = true;
    });
    expect((await codeOf(waiting)).code).toBe(ErrorCode.SERVER_BUSY);
    g.open();
    await first;
    await flush();
    expect(ran).toBe(false);
    expect(admission.stats()).toMatchObject({ runningUnits: 0, queuedUnits: 0, shed: 1 });
  });

  test('units are returned when a job throws, rejects, or throws synchronously (no slot leaks)', async () => {
    const admission = new DecodeAdmission({ capacity: 1, maxQueued: 0, maxWaitMs: 0, jobTimeoutMs: 0 });
    await expect(admission.run(1, () => Promise.reject(new Error('decode failed')))).rejects.toThrow('decode failed');
    await flush();
    await expect(
      admission.run(1, () => {
        throw new DomainError(ErrorCode.INVALID_IMAGE, 'bad');
      }),
    ).rejects.toMatchObject({ code: ErrorCode.INVALID_IMAGE });
    await flush();
    // capacity 1, no queue: this would be SERVER_BUSY if either failure had kept its unit.
    await expect(admission.run(1, async () => 'ok')).resolves.toBe('ok');
    await flush();
    expect(admission.stats()).toMatchObject({ runningJobs: 0, runningUnits: 0, shed: 0 });
  });

  test('a job over its time budget is answered DECODE_TIMEOUT, but its units stay taken until the work really ends', async () => {
    const admission = new DecodeAdmission({ capacity: 1, maxQueued: 0, maxWaitMs: 0, jobTimeoutMs: 30 });
    const g = gate();
    const slow = admission.run(1, () => g.promise);
    expect((await codeOf(slow)).code).toBe(ErrorCode.DECODE_TIMEOUT);
    // The decode cannot be cancelled: it still holds the only unit, so the next job is shed.
    expect(admission.stats()).toMatchObject({ runningJobs: 1, timedOut: 1 });
    expect((await codeOf(admission.run(1, async () => 'x'))).code).toBe(ErrorCode.SERVER_BUSY);
    g.open();
    await flush();
    await flush();
    await expect(admission.run(1, async () => 'after')).resolves.toBe('after');
  });

  test('fair by weight: light jobs queued behind a burst of heavy ones are not held up, and heavy ones still progress', async () => {
    const capacity = 4;
    const admission = new DecodeAdmission({ capacity, maxQueued: 1000, maxWaitMs: 60_000, jobTimeoutMs: 0 });
    const order: string[] = [];
    const gates = new Map<string, () => void>();
    const job = (name: string) => () => {
      order.push(name);
      return new Promise<void>((r) => gates.set(name, r));
    };
    // A heavy job holds the whole budget; 6 heavy (4 units) then 6 light (1 unit) jobs queue behind it.
    const all = [admission.run(4, job('blocker'))];
    for (let i = 0; i < 6; i++) all.push(admission.run(4, job(`H${i}`)));
    for (let i = 0; i < 6; i++) all.push(admission.run(1, job(`L${i}`)));
    await flush();
    expect(order).toEqual(['blocker']);

    // Finish whatever runs, repeatedly, and watch the start order.
    while (order.length < 13) {
      for (const [name, open] of [...gates]) {
        gates.delete(name);
        open();
      }
      await flush();
      await flush();
    }
    for (const [, open] of gates) open();
    await Promise.all(all);

    // Start-time fair queuing over size classes (hand-derived tags): the light class starts at
    // virtual time 0, the heavy class after the blocker's 4 units, so L0–L3 fill the budget first,
    // then H0 (tag 4, earlier arrival than L4), then L4 and L5 (tags 4, 5) before H1 (tag 8).
    // FIFO would have started all six heavy jobs first.
    expect(order.slice(0, 8)).toEqual(['blocker', 'L0', 'L1', 'L2', 'L3', 'H0', 'L4', 'L5']);
    expect(order.slice(8)).toEqual(['H1', 'H2', 'H3', 'H4', 'H5']);
  });

  test('on a larger budget a heavy job leaves a reserve in which light jobs run beside it', async () => {
    const admission = new DecodeAdmission({ capacity: 16, maxQueued: 64, maxWaitMs: 60_000, jobTimeoutMs: 0 });
    const g = gate();
    const heavy = admission.run(17, () => g.promise);
    // 16 − ⌈16/8⌉ = 14 units for the heavy job; a 2-unit verify fits in the remaining 2 at once.
    expect(admission.stats().runningUnits).toBe(14);
    await expect(admission.run(2, async () => admission.stats().runningUnits)).resolves.toBe(16);
    g.open();
    await heavy;
  });

  test('a job heavier than the whole budget runs alone instead of never', async () => {
    const admission = new DecodeAdmission({ capacity: 4, maxQueued: 8, maxWaitMs: 60_000, jobTimeoutMs: 0 });
    const g = gate();
    const small = admission.run(1, () => g.promise);
    let bigRan = false;
    const big = admission.run(Infinity, async () => {
      bigRan = true;
      expect(admission.stats().runningUnits).toBe(4);
    });
    await flush();
    expect(bigRan).toBe(false);
    expect(admission.stats().queuedUnits).toBe(4);
    g.open();
    await Promise.all([small, big]);
    expect(bigRan).toBe(true);
  });
});
